/**
 * The HTTP API (the Api class): the path as the front gives it (normalised and URL-decoded once: it never decodes it
 * again, so a `%` the caller escaped (`%25`) stays a `%` and `%2570roduction` does not become `production`), and the
 * deploy gate as CI reads it on the in-memory world: what a failed rollback answers.
 */
import { Api, type ApiRequest } from '../../../src/api/api';
import type { RollbackEvent } from '../../../src/domain/rollback.events';
import { applyEvent } from '../../../src/runbook/engine/context';
import { RollbackRunner } from '../../../src/runbook/steps/runner';
import { RollbackService } from '../../../src/runbook/service';
import { AlertWatcher, type IncomingAlert } from '../../../src/runbook/watchers/alerts';
import { approvedEvents, draftRollback, quietLog, unitConfig, unitWorld } from '../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const TOKEN = 'ci-token-0123456789abcdef';

function apiIn() {
  const w = unitWorld(unitConfig({}, { api: { tokens: { ci: TOKEN } } }));
  const service = new RollbackService(w.deps, new RollbackRunner(w.deps, { owner: 'unit#1', leaseMs: 60_000 }));
  const api = new Api({
    config: w.deps.config,
    clock: w.clock,
    log: quietLog,
    deployGate: (env) => service.deployGate(env),
    reportDeploy: (input, caller) => service.reportDeploy(input, caller),
  });
  const gate = () =>
    api.handle({
      method: 'GET',
      path: '/api/v1/environments/production/deploy-gate',
      authorization: `Bearer ${TOKEN}`,
      remote: '127.0.0.1',
    });
  return { w, service, api, gate };
}

describe('the deploy gate API after a rollback that failed once Step 3 had started', () => {
  it('answers 423 "rollback_failed" with how to clear it, until an incident commander unlocks', async () => {
    const { w, service, gate } = apiIn();
    expect((await gate()).status).toBe(200);
    expect((await w.store.create(draftRollback(AT, { id: 'rb-failed' }))).ok).toBe(true);
    const events: RollbackEvent[] = [
      ...approvedEvents(AT),
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
      { type: 'ServicesRolledBack', at: AT, results: [] },
      {
        type: 'VerificationFailed',
        at: AT,
        reason: 'health check failed',
        evidence: { health: { url: 'h', ok: false, attempts: 3, status: 503 }, smokeTests: [] },
      },
    ];
    for (const e of events) expect((await applyEvent(w.store, 'rb-failed', e)).ok).toBe(true);

    const locked = await gate();
    expect(locked).toMatchObject({
      status: 423,
      body: {
        deploys: 'locked',
        reason: 'rollback_failed',
        rollback: { id: 'rb-failed', status: 'failed', from: 'v2', to: 'v1' },
        message: expect.stringContaining('ended failed after it had started changing production'),
        clear: { how: expect.arrayContaining(['`/rollback unlock production [reason]` in Slack']) },
        // Machines read ISO 8601 in `since`; people read the message (a CI log), in UTC: no Slack markup there.
        since: AT,
      },
    });
    expect((locked.body as { message: string }).message).toMatch(/ Locked since 1 Dec 2026 10:00 UTC\.$/);
    expect((await service.unlock('production', 'U0IC', 'every service on v1, root cause found')).kind).toBe('ok');
    expect(await gate()).toMatchObject({ status: 200, body: { deploys: 'allowed' } });
  });
});

describe('the path', () => {
  const PATH_TOKEN = 'api-spec-token-3b9d2f7a';

  function api(): { api: Api; asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      api: new Api({
        config: unitConfig({}, { api: { tokens: { ci: PATH_TOKEN } } }),
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
    authorization: `Bearer ${PATH_TOKEN}`,
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
});

describe('POST /api/v1/alerts (Alertmanager’s webhook)', () => {
  const ALERT_TOKEN = 'alertmanager-token-0123456789';
  const payload = (over: Record<string, unknown> = {}, alert: Record<string, unknown> = {}) =>
    JSON.stringify({
      version: '4',
      groupKey: '{}:{alertname="HighErrorRate"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'rollback-bot',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighErrorRate', environment: 'production', severity: 'critical' },
          annotations: { summary: '5xx above 5%' },
          startsAt: '2026-12-01T09:58:00.123456789Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: 'a1b2c3d4e5f60718',
          ...alert,
        },
      ],
      ...over,
    });

  function alertsApi(wired = true) {
    const w = unitWorld(unitConfig({}, { api: { tokens: { alertmanager: ALERT_TOKEN } } }));
    w.deps.alerts = w.store;
    const proposals: string[] = [];
    const watcher = new AlertWatcher(w.deps, async (req) => {
      proposals.push(req.reason);
      return { kind: 'refused', message: 'not in this test' };
    });
    const received: string[] = [];
    const api = new Api({
      config: w.deps.config,
      clock: w.clock,
      log: quietLog,
      deployGate: () => Promise.reject(new Error('not in this test')),
      reportDeploy: () => Promise.reject(new Error('not in this test')),
      ...(wired
        ? {
            receiveAlerts: async (alerts: IncomingAlert[], caller: string) => {
              received.push(caller);
              const got = await watcher.receive(alerts);
              await got.decided;
              return { accepted: got.accepted, ignored: got.ignored };
            },
          }
        : {}),
    });
    const post = (body: string, token = ALERT_TOKEN, method = 'POST') =>
      api.handle({ method, path: '/api/v1/alerts', authorization: `Bearer ${token}`, remote: '10.0.0.9', body });
    return { w, post, received, proposals };
  }

  it('answers 202 once the alerts about a configured environment are kept, naming how many', async () => {
    const { w, post, received } = alertsApi();
    const res = await post(
      payload({}, { labels: { alertname: 'HighErrorRate', environment: 'production', severity: 'critical' } }),
    );
    expect(res).toEqual({ status: 202, body: { accepted: 1, ignored: 0 } });
    expect(received).toEqual(['alertmanager']);
    expect(await w.store.firingAlerts(5)).toEqual([
      expect.objectContaining({ name: 'HighErrorRate', startsAt: '2026-12-01T09:58:00.123Z', status: 'firing' }),
    ]);
    const other = await post(payload({}, { labels: { alertname: 'X', environment: 'nowhere' } }));
    expect(other).toEqual({ status: 202, body: { accepted: 0, ignored: 1 } });
  });

  it('answers 400 with what is wrong, and keeps nothing', async () => {
    const { w, post } = alertsApi();
    expect(await post('{"version": "4", ')).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const wrong = await post(payload({ version: '3' }, { fingerprint: 'not hex!', startsAt: 'yesterday' }));
    expect(wrong.status).toBe(400);
    expect(wrong.body.problems).toEqual([
      'version: Alertmanager\'s webhook payload version "4"',
      'alerts.0.startsAt: an RFC 3339 time',
      "alerts.0.fingerprint: Alertmanager's fingerprint (hex)",
    ]);
    expect((await post(payload({}, { labels: { environment: 7 } }))).status).toBe(400);
    expect(await w.store.firingAlerts(5)).toEqual([]);
  });

  it('answers 401 to a wrong token and 405 to a GET, keeping nothing; 503 when alerts are not kept', async () => {
    const { w, post, received } = alertsApi();
    expect((await post(payload(), 'wrong-token-0123456789abc')).status).toBe(401);
    expect((await post(payload(), ALERT_TOKEN, 'GET')).status).toBe(405);
    expect(received).toEqual([]);
    expect(await w.store.firingAlerts(5)).toEqual([]);
    expect((await alertsApi(false).post(payload())).status).toBe(503);
  });
});
