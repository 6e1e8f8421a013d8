/**
 * GitHub knows what the bot knows (issue 25, part 2), through the bot's real HTTP front and a simulated swarm, with a
 * stand-in GitHub (nock at the HTTP boundary) that checks the App's JWT against its public key, the installation
 * token on every call, and the request bodies:
 * - a rollback approved in Slack becomes a GitHub Deployment of the commit CI reported for its target, in progress,
 *   then success once verified, and the deployment of the version it rolled back from goes inactive; the card links it;
 * - the deploy gate as GitHub's own protection rule: a signed webhook is approved while the gate is open and rejected
 *   (with the gate's message and the card) while it is shut; a redelivery is answered once; a bad signature gets 401
 *   and nothing is called; GitHub down leaves the rollback untouched, with a note in its thread;
 * - neither the App's key, nor its webhook secret, nor a token reaches the logs.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { ACTION } from '../../src/slack/ids';
import { type Harness, startHarness } from '../support/bot-harness';
import { fakeGitHubApp } from '../support/fake-github-app';
import { cardText, IC, request, threadWith, waitStatus } from '../support/scenario';
import { type Sim, simConfig, startSim } from '../support/sim-env';

jest.setTimeout(60_000);

const API = 'https://api.github.example';
const R = '/repos/acme/shop';
const WEBHOOK_SECRET = 'gh-webhook-secret-3f9a0c7e51';
const CI_TOKEN = 'ci-deploys-token-0c4a9e2b7d1f3e5a';
const INSTALLATION = 77;
const CALLBACK = `${API}${R}/actions/runs/5150/deployment_protection_rule`;
const gh = fakeGitHubApp(API);

let dir: string;
let sim: Sim;
let h: Harness;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-app-'));
  writeFileSync(join(dir, 'key.pem'), gh.privateKey);
  writeFileSync(join(dir, 'webhook-secret'), `${WEBHOOK_SECRET}\n`);
  sim = await startSim(300);
  const config = simConfig(sim, {
    environment: { github: { repo: 'acme/shop', api_url: API, request_timeout_ms: 1000 } },
    extra: {
      api: { tokens: { ci: CI_TOKEN } },
      github_app: {
        app_id: gh.appId,
        private_key_file: join(dir, 'key.pem'),
        webhook_secret_file: join(dir, 'webhook-secret'),
        installation_id: INSTALLATION,
        api_url: API,
        request_timeout_ms: 1000,
      },
    },
  });
  h = await startHarness(config, { runtime: sim.target });
});
afterEach(async () => {
  await h.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  nock.abortPendingRequests();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

/** A route of the stand-in that takes only an installation token, keeping each body it took. */
function github(method: 'post' | 'get', path: string, status: number, reply: unknown, bodies: unknown[]) {
  const scope = nock(API);
  return (method === 'post' ? scope.post(path) : scope.get(path).query(true)).reply(function (_uri, body) {
    if (!gh.tokenValid(this.req.headers.authorization as string)) return [401, { message: 'Bad credentials' }];
    bodies.push(body);
    return [status, reply];
  });
}

function webhook(body: object, delivery: string, secret = WEBHOOK_SECRET) {
  const text = JSON.stringify(body);
  return fetch(`${h.baseUrl}/api/v1/github/webhook`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'deployment_protection_rule',
      'X-GitHub-Delivery': delivery,
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`,
    },
    body: text,
  });
}
const rule = {
  action: 'requested',
  environment: 'production',
  event: 'push',
  ref: 'refs/heads/main',
  sha: 'f'.repeat(40),
  deployment_callback_url: CALLBACK,
  repository: { full_name: 'acme/shop', id: 1 },
  installation: { id: INSTALLATION },
  sender: { login: 'octocat' },
};

const report = (version: string, commit: string) =>
  fetch(`${h.baseUrl}/api/v1/deployments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${CI_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ environment: 'production', version, commit }),
  });

it('follows an approved rollback on GitHub and answers the protection rule from the gate', async () => {
  // The gate is open: GitHub's rule is approved, with an installation token got with the App's JWT.
  gh.serveTokens(INSTALLATION);
  const answers: unknown[] = [];
  github('post', `${R}/actions/runs/5150/deployment_protection_rule`, 204, '', answers);
  expect((await webhook(rule, 'delivery-1')).status).toBe(200);
  expect(answers).toEqual([{ environment_name: 'production', state: 'approved', comment: expect.any(String) }]);

  // CI reported what it deployed; then production breaks and is rolled back from v2 to v1.
  expect((await report('v1', 'abc1234')).status).toBe(201);
  expect((await report('v2', 'def5678')).status).toBe(201);
  const calls: unknown[] = [];
  github('post', `${R}/deployments`, 201, { id: 900 }, calls);
  github('post', `${R}/deployments/900/statuses`, 201, {}, calls);
  github('post', `${R}/deployments/900/statuses`, 201, {}, calls);
  github(
    'get',
    `${R}/deployments`,
    200,
    [
      { id: 900, ref: 'abc1234', sha: 'abc1234'.padEnd(40, '0') },
      { id: 850, ref: 'v2', sha: 'def5678'.padEnd(40, '0') },
    ],
    calls,
  );
  github('post', `${R}/deployments/850/statuses`, 201, {}, calls);
  const r = await request(h, 'production errors after the deploy');
  await waitStatus(h, r.rollback.id, 'awaiting_approval', 20_000);

  // While it runs, the rule is rejected with the gate's sentence and the card.
  github('post', `${R}/actions/runs/5150/deployment_protection_rule`, 204, '', answers);
  expect((await webhook(rule, 'delivery-2')).status).toBe(200);
  expect(answers[1]).toEqual({
    environment_name: 'production',
    state: 'rejected',
    comment: expect.stringMatching(
      new RegExp(
        `^production is being rolled back \\(${r.rollback.id}\\).*Card: https://slack\\.com/archives/C0INCIDENT/p\\d+$`,
      ),
    ),
  });
  // The same delivery again is answered once (the stand-in would refuse a second answer: no route for it).
  expect(await (await webhook(rule, 'delivery-2')).json()).toMatchObject({ duplicate: true });
  // A bad signature: 401, and GitHub is not called.
  expect((await webhook(rule, 'delivery-3', 'not-the-secret-0000000')).status).toBe(401);

  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'completed', 30_000);
  await h.slack.waitFor(() => h.db.get(r.rollback.id)?.githubDeployment?.state === 'success', 'GitHub told success');
  await h.slack.waitFor(() => calls.length === 5, 'the deployment rolled back from marked inactive', 5000);
  expect(calls).toEqual([
    expect.objectContaining({
      ref: 'abc1234',
      environment: 'production',
      auto_merge: false,
      required_contexts: [],
      payload: {
        rollback: expect.objectContaining({
          id: r.rollback.id,
          version: 'v1',
          card: expect.stringMatching(/^https:\/\/slack\.com\/archives\//),
        }),
      },
    }),
    expect.objectContaining({ state: 'in_progress', log_url: expect.stringMatching(/^https:\/\/slack\.com\//) }),
    expect.objectContaining({ state: 'success' }),
    '', // the list of the environment's deployments (a GET)
    expect.objectContaining({ state: 'inactive' }),
  ]);
  await h.slack.waitFor(
    () => cardText(h, r.cardTs).includes('GitHub deployment #900') && cardText(h, r.cardTs).includes('(success)'),
    'the card linking the GitHub deployment',
  );
  expect(cardText(h, r.cardTs)).toContain(`${API}/acme/shop/deployments/production`);

  const logs = h.logLines.join('');
  for (const secret of [WEBHOOK_SECRET, gh.privateKey.split('\n')[1], ...gh.tokens]) expect(logs).not.toContain(secret);
});

it('goes on with the rollback when GitHub is down, with a note in its thread', async () => {
  nock(API).post(`/app/installations/${INSTALLATION}/access_tokens`).replyWithError('connect ECONNREFUSED');
  const r = await request(h, 'production errors after the deploy');
  await waitStatus(h, r.rollback.id, 'awaiting_approval', 20_000);
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await waitStatus(h, r.rollback.id, 'completed', 30_000);
  await threadWith(h, r.cardTs, 'GitHub was not told of this rollback');
  expect(h.db.get(r.rollback.id)?.githubDeployment?.state).toBe('unavailable');
});
