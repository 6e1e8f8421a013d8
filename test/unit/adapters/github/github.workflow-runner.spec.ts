/**
 * Option C's adapter against GitHub's documented REST shapes (nock at the HTTP boundary): the dispatch with and
 * without run details, the run list used for correlation, and every error turned into a sentence.
 */
import nock from 'nock';
import { GitHubWorkflowRunner } from '../../../../src/adapters/github/github.workflow-runner';
import { isCoded } from '../../../../src/domain/errors';

const API = 'https://api.github.example';
const W = '/repos/acme/shop/actions/workflows/ci-cd.yml';
const runner = new GitHubWorkflowRunner({
  apiUrl: API,
  repo: 'acme/shop',
  token: 'ghp_x',
  workflow: 'ci-cd.yml',
  timeoutMs: 300,
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.abortPendingRequests();
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { code?: string },
  );

it('uses the run details of the dispatch when GitHub returns them', async () => {
  nock(API)
    .post(`${W}/dispatches`, {
      ref: 'main',
      inputs: { environment: 'production', version: 'v1' },
      return_run_details: true,
    })
    .reply(200, {
      workflow_run_id: 77,
      run_url: `${API}/repos/acme/shop/actions/runs/77`,
      html_url: 'https://github.com/acme/shop/actions/runs/77',
    });
  expect(await runner.dispatch('main', { environment: 'production', version: 'v1' })).toMatchObject({
    id: 77,
    url: 'https://github.com/acme/shop/actions/runs/77',
    status: 'queued',
  });
});

it('answers null on 204 (no run details), so the run is correlated', async () => {
  nock(API).post(`${W}/dispatches`).reply(204);
  expect(await runner.dispatch('main', {})).toBeNull();
});

it('retries without return_run_details where the server does not know it (older GitHub Enterprise Server)', async () => {
  nock(API)
    .post(`${W}/dispatches`, (b: Record<string, unknown>) => b.return_run_details === true)
    .reply(422, { message: 'Invalid request.\n\n"return_run_details" is not a permitted key.' });
  nock(API)
    .post(`${W}/dispatches`, (b: Record<string, unknown>) => !('return_run_details' in b))
    .reply(204);
  expect(await runner.dispatch('main', {})).toBeNull();
});

it('lists workflow_dispatch runs created since a time, with who triggered them', async () => {
  nock(API)
    .get(`${W}/runs`)
    .query({ event: 'workflow_dispatch', created: '>=2026-11-26T06:00:00Z', per_page: '30' })
    .reply(200, {
      total_count: 1,
      workflow_runs: [
        {
          id: 5,
          html_url: 'https://github.com/acme/shop/actions/runs/5',
          status: 'in_progress',
          conclusion: null,
          created_at: '2026-11-26T06:00:03Z',
          event: 'workflow_dispatch',
          actor: { login: 'a' },
          triggering_actor: { login: 'b' },
        },
      ],
    });
  expect(await runner.recentRuns(new Date('2026-11-26T06:00:00.000Z'))).toEqual([
    {
      id: 5,
      url: 'https://github.com/acme/shop/actions/runs/5',
      status: 'in_progress',
      conclusion: null,
      createdAt: '2026-11-26T06:00:03Z',
      actor: 'b',
    },
  ]);
});

it('asks GitHub who the token is, and says null when it will not tell', async () => {
  nock(API).get('/user').reply(200, { login: 'deploy-bot' });
  expect(await runner.actor()).toBe('deploy-bot');
  nock(API).get('/user').reply(403, { message: 'Resource not accessible by integration' });
  expect(await runner.actor()).toBeNull();
});

it('refuses a disabled workflow before anything is dispatched', async () => {
  nock(API).get(W).reply(200, { id: 1, name: 'CI/CD Pipeline', state: 'disabled_manually' });
  expect((await failure(runner.check())).message).toBe(
    'the workflow "CI/CD Pipeline" of acme/shop is disabled manually: enable it in GitHub first',
  );
});

it.each([
  [
    401,
    {},
    { message: 'Bad credentials' },
    'WORKFLOW_FAILED',
    'HTTP 401, the GitHub token was refused (expired or wrong: check GITHUB_TOKEN): Bad credentials',
  ],
  [
    404,
    {},
    { message: 'Not Found' },
    'WORKFLOW_FAILED',
    'HTTP 404, the repository or workflow was not found (or the token cannot see it): Not Found',
  ],
  [
    422,
    {},
    { message: "Required input 'version' not provided" },
    'WORKFLOW_FAILED',
    "HTTP 422, GitHub refused the request as invalid (check the workflow has a workflow_dispatch trigger with these inputs, and the ref exists): Required input 'version' not provided",
  ],
  [
    403,
    { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1795651200' },
    { message: 'API rate limit exceeded' },
    'WORKFLOW_RATE_LIMITED',
    "GitHub's API rate limit was hit while dispatching workflow ci-cd.yml of acme/shop (the limit resets at 26 Nov 2026 00:00 UTC)",
  ],
  [
    429,
    { 'retry-after': '60' },
    { message: 'secondary rate limit' },
    'WORKFLOW_RATE_LIMITED',
    "GitHub's API rate limit was hit while dispatching workflow ci-cd.yml of acme/shop (retry after 60 s)",
  ],
  [
    403,
    {},
    { message: 'Resource not accessible by personal access token' },
    'WORKFLOW_FAILED',
    'HTTP 403, the GitHub token may not do this (it needs the actions:write permission, or the repo scope): Resource not accessible by personal access token',
  ],
])('explains HTTP %i on the dispatch', async (status, headers, body, code, message) => {
  nock(API).post(`${W}/dispatches`).reply(status, body, headers);
  const err = await failure(runner.dispatch('main', {}));
  expect(err.code).toBe(code);
  expect(err.message).toContain(message);
});

it('bounds a GitHub that does not answer', async () => {
  nock(API).get('/repos/acme/shop/actions/runs/9').delay(2000).reply(200, {});
  const err = await failure(runner.getRun(9));
  expect(isCoded(err, 'WORKFLOW_FAILED')).toBe(true);
  expect(err.message).toBe('GitHub did not answer while reading workflow run 9: no answer within 300 ms');
});
