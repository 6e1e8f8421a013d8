/**
 * The HTTP API takes the path as the front gives it: normalised and URL-decoded once. It never decodes it again, so
 * a `%` that the caller escaped (`%25`) stays a `%` (an unknown environment, not a 500), and `%2570roduction` does
 * not become `production`.
 */
import { Api, type ApiRequest } from '../../../src/api/api';
import { quietLog, unitConfig } from '../../support/fakes';

const TOKEN = 'api-spec-token-3b9d2f7a';

function api(): { api: Api; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    api: new Api({
      config: unitConfig({}, { api: { tokens: { ci: TOKEN } } }),
      clock: { now: () => new Date('2024-05-01T10:00:00Z') },
      log: quietLog,
      deployGate: (environment) => {
        asked.push(environment);
        return Promise.resolve({ environment, open: true });
      },
      reportDeploy: () => Promise.reject(new Error('not in this test')),
    }),
  };
}

const gate = (path: string): ApiRequest => ({
  method: 'GET',
  path,
  authorization: `Bearer ${TOKEN}`,
  remote: '127.0.0.1',
});

it('answers a path holding a % (the caller sent %25) with 404, not a 500', async () => {
  const { api: a, asked } = api();
  const res = await a.handle(gate('/api/v1/environments/%/deploy-gate'));
  expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
  expect(asked).toEqual([]);
});

it('does not decode the path a second time', async () => {
  const { api: a, asked } = api();
  // What the front hands on for /api/v1/environments/%2570roduction/deploy-gate.
  const res = await a.handle(gate('/api/v1/environments/%70roduction/deploy-gate'));
  expect(res.status).toBe(404);
  expect(asked).toEqual([]);
  expect((await a.handle(gate('/api/v1/environments/production/deploy-gate'))).status).toBe(200);
  expect(asked).toEqual(['production']);
});
