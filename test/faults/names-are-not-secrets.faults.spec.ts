/**
 * Issue 22, defect 2: names are not secrets. Environments, services, Docker services, channels, API callers and
 * reasons named as a security-minded team names them (`credentials-api`, `token-service`, `secrets`, …) go through
 * the whole flow: the real bot (Bolt HTTP receiver, signed requests, the fake Slack Web API, a SQLite file) on the
 * simulated swarm, with the config read as main.ts reads it (loadConfig, `${VAR}` included). Every rollback
 * completes, the names reach Slack verbatim, and only the config's real secrets are redacted: from Slack and the logs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { REDACTED } from '../../src/domain/redact';
import type { Rollback } from '../../src/domain/rollback';
import { ACTION } from '../../src/slack/ids';
import { BOT_TOKEN, type Harness, responseFor, SIGNING_SECRET, startHarness } from '../support/bot-harness';
import { criteria, IC, LAST_LINE, ONCALL, threadWith, waitStatus } from '../support/scenario';
import { type Sim, startSim } from '../support/sim-env';
import { DEMO_IMAGES } from '../../playground/simulated-target';

jest.setTimeout(60_000);

/** The config's real secrets: literal, or from `${VAR}`. Nothing else may ever read `[redacted]`. */
const SECRET = {
  authCaller: 'ci-auth-7Qm2xV9pL4sK8dR1wz',
  tokenServiceCaller: 'tsvc-3Hn8Wq5Zc2Jr6Yb9Tt4',
  routingKey: 'R0utingKey-PD-6f1e2d3c4b5a',
  ticketsToken: 'tix-gh-9c8b7a6f5e4d3c2b1a',
  workflowToken: 'gha-0a1b2c3d4e5f6a7b8c9d',
  healthPassword: 'hp-4e5f6a7b8c9d0e1f',
};

/** Channel ids spell the names too (a Slack id has only capitals and digits). */
const CH = {
  credentials: 'CCREDENTIALSAPI',
  auth: 'CAUTH',
  secrets: 'CSECRETS',
  platform: 'CWEBHOOKRELAY',
};

let sim: Sim;
let h: Harness | undefined;
let dir: string;

beforeAll(async () => {
  sim = await startSim(100, { backend: 'api-key-rotation', frontend: 'private-key-vault' });
  // The second environment's services, on the simulated engine as well: v2 running, v1 in their PreviousSpec.
  for (const [name, image] of [
    ['dsn', DEMO_IMAGES.backend],
    ['pat', DEMO_IMAGES.frontend],
  ])
    sim.target.services.set(name, { image, version: 'v2', previousVersion: 'v1' });
  dir = mkdtempSync(join(tmpdir(), 'names-'));
});
afterAll(async () => {
  await h?.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function configText(): string {
  const port = new URL(sim.baseUrl).port;
  const prometheus = criteria('high').prometheus;
  const health = `health: { url: "http://probe:\${HEALTH_PASSWORD}@127.0.0.1:${port}/health", retries: 3, interval_ms: 100, timeout_ms: 1000 }`;
  const crit = `criteria: { prometheus: { url: "${prometheus.url}", error_rate: ${JSON.stringify(prometheus.error_rate)} } }`;
  return `
roles:
  incident_commanders: { users: [${IC}] }
  on_call: { users: [${ONCALL}] }
  platform_team: { users: [U0PLATFORM], channel: ${CH.platform} }
api:
  tokens:
    auth: ${SECRET.authCaller}
    token-service: "\${TOKEN_SERVICE_API_TOKEN}"
    webhook-relay: "\${TOKEN_SERVICE_API_TOKEN}"
pagerduty: { routing_key: ${SECRET.routingKey}, events_url: "http://127.0.0.1:9/enqueue" }
environments:
  credentials-api:
    channel: ${CH.credentials}
    strategy: docker
    eta: password-reset back within 5 minutes
    ${health}
    smoke_tests: [{ name: webhook-relay home page, url: "http://127.0.0.1:${port}/home" }]
    ${crit}
    services:
      - { name: token-service, docker_service: "\${CREDENTIALS_API_BACKEND}", image: ${DEMO_IMAGES.backend} }
      - { name: password-reset, docker_service: private-key-vault, image: ${DEMO_IMAGES.frontend} }
    docker: { convergence_timeout_ms: 10000 }
    tickets: { github: { repo: acme/secrets, token: "\${TICKETS_GITHUB_TOKEN}" } }
  auth:
    channel: ${CH.auth}
    strategy: docker
    ${health}
    ${crit}
    services:
      - { name: secrets, docker_service: dsn, image: ${DEMO_IMAGES.backend} }
      - { name: webhook-relay, docker_service: pat, image: ${DEMO_IMAGES.frontend} }
  secrets:
    channel: ${CH.secrets}
    strategy: github-actions
    github_actions: { repo: acme/auth, token: ${SECRET.workflowToken}, workflow: dsn.yml }
    health: { url: "http://127.0.0.1:${port}/health" }
`;
}

/** Sends `/rollback <text>` in `channel`; the new rollback once its card is posted, or why nothing was started. */
async function requestIn(channel: string, text: string): Promise<Rollback> {
  const harness = h as Harness;
  const known = new Set(harness.db.list({ limit: 1000 }).map((r) => r.id));
  const res = await harness.command(text, ONCALL, channel);
  expect(res.status).toBe(200);
  const id = res.responseUrl.split('/').pop();
  const outcome = await harness.slack.waitFor(() => {
    const fresh = harness.db.list({ limit: 5 }).find((r) => !known.has(r.id));
    if (fresh?.card) return { rollback: fresh };
    const said = harness.slack.responses.find((r) => r.id === id)?.body.text;
    return typeof said === 'string' && /nothing was started/i.test(said) ? { refused: said } : undefined;
  }, `the card of "${text}"`);
  // Before the fix: "Nothing was started: the [redacted] card could not be posted in the [redacted] [redacted]
  // ([redacted]): Cannot read properties of undefined (reading 'data')".
  expect(outcome.refused).toBeUndefined();
  return outcome.rollback as Rollback;
}

async function rollBack(channel: string, text: string): Promise<Rollback> {
  const harness = h as Harness;
  const r = await requestIn(channel, text);
  const ts = r.card?.ts as string;
  await waitStatus(harness, r.id, 'awaiting_approval', 20_000);
  await harness.click(ACTION.approve, r.id, IC, ts, channel);
  await harness.slack.waitFor(() => harness.db.get(r.id)?.resolution, `rollback ${r.id} announced complete`);
  await waitStatus(harness, r.id, 'completed', 10_000);
  // The last threaded line: everything about this rollback has been said.
  await threadWith(harness, ts, LAST_LINE);
  return harness.db.get(r.id) as Rollback;
}

/** Every piece of text a Slack call or a response_url answer carried (what Slack shows, or could). */
function sentStrings(harness: Harness): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  // The bot token is how the WebClient authenticates each call, not something it says.
  walk(harness.slack.calls.map(({ args: { token: _token, ...said } }) => said));
  walk(harness.slack.responses.map((r) => r.body));
  return out;
}

it('rolls back environments and services named like secrets; only the real secrets are redacted', async () => {
  const env = {
    TOKEN_SERVICE_API_TOKEN: SECRET.tokenServiceCaller,
    TICKETS_GITHUB_TOKEN: SECRET.ticketsToken,
    HEALTH_PASSWORD: SECRET.healthPassword,
    // A variable whose name mentions credentials but holds a name: its value is no secret.
    CREDENTIALS_API_BACKEND: 'api-key-rotation',
  };
  const path = join(dir, 'rollback.config.yml');
  writeFileSync(path, configText());
  const loaded = loadConfig(path, env);
  h = await startHarness(loaded.config, { runtime: sim.target, secrets: loaded.secrets });

  // Someone pastes a real secret into the reason: that, and only that, is redacted.
  const reason = `password-reset fails after the webhook-relay deploy; dsn and pat look fine, leaked: ${SECRET.authCaller}`;
  const shownReason = reason.replace(SECRET.authCaller, REDACTED);
  const first = await rollBack(CH.credentials, `credentials-api ${reason}`);
  expect(first.strategy).toBe('docker');
  expect(sim.target.changes).toEqual(
    expect.arrayContaining([
      { service: 'api-key-rotation', version: 'v1' },
      { service: 'private-key-vault', version: 'v1' },
    ]),
  );
  // Every environment's cards post, not just the first one's.
  const secondReason = 'secrets and webhook-relay return 500 since the token-service deploy';
  const second = await rollBack(CH.auth, `auth ${secondReason}`);
  expect(sim.target.changes).toEqual(
    expect.arrayContaining([
      { service: 'dsn', version: 'v1' },
      { service: 'pat', version: 'v1' },
    ]),
  );

  const harness = h;
  const card = (r: Rollback) => {
    const c = harness.slack.lastCard(r.card?.ts as string);
    return `${String(c?.args.text)}\n${JSON.stringify(c?.args.blocks)}`;
  };
  const announcements = (channel: string) =>
    harness.slack
      .channelMessages(channel)
      .map((c) => String(c.args.text))
      .join('\n');
  const thread = (r: Rollback) => harness.slack.threadMessages(r.card?.ts as string).join('\n');

  // The card, the thread and the announcements say the names verbatim.
  expect(card(first)).toContain('Rollback · credentials-api');
  expect(card(first)).toContain(shownReason);
  expect(thread(first)).toContain('token-service (`api-key-rotation`)');
  expect(thread(first)).toContain('password-reset (`private-key-vault`)');
  expect(announcements(CH.credentials)).toContain('ROLLBACK IN PROGRESS');
  expect(announcements(CH.credentials)).toContain('Environment: credentials-api');
  expect(announcements(CH.credentials)).toContain(`Reason: ${shownReason}`);
  expect(announcements(CH.credentials)).toContain('ETA: password-reset back within 5 minutes');
  expect(announcements(CH.credentials)).toContain('ROLLBACK COMPLETE');
  expect(card(second)).toContain('Rollback · auth');
  expect(card(second)).toContain(`*Reason:* ${secondReason}`);
  expect(thread(second)).toContain('secrets (`dsn`)');
  expect(thread(second)).toContain('webhook-relay (`pat`)');
  expect(announcements(CH.auth)).toContain('Environment: auth');

  // The post-mortem timeline (outgoing text too) keeps the names and redacts the secret.
  const asked = await harness.command(`timeline ${first.id}`, ONCALL, CH.credentials);
  const timeline = String((await responseFor(harness.slack, asked.responseUrl)).text);
  expect(timeline).toContain('credentials-api');
  expect(timeline).toContain(shownReason);

  // Nothing but real secrets is redacted: every `[redacted]` Slack received stands where the pasted secret was.
  const sent = sentStrings(harness).join('\n');
  const redactions = sent.match(/\[redacted\]/g) ?? [];
  expect(redactions.length).toBeGreaterThan(0);
  expect(sent.match(/leaked: \[redacted\]/g)).toHaveLength(redactions.length);
  for (const secret of [...Object.values(SECRET), BOT_TOKEN, SIGNING_SECRET]) expect(sent).not.toContain(secret);

  // CI asks the deploy gate as the caller named `auth`: the answer and the log name the environment verbatim.
  const gate = (environment: string, token?: string) =>
    fetch(`${harness.baseUrl}/api/v1/environments/${environment}/deploy-gate`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const locked = await gate('credentials-api', SECRET.authCaller);
  expect(locked.status).toBe(423);
  expect(((await locked.json()) as { message: string }).message).toContain('credentials-api was rolled back');
  // A CI script that swapped its arguments: its token in the path, no Authorization header. Refused, and logged.
  expect((await gate(SECRET.tokenServiceCaller)).status).toBe(401);

  // The logs: names verbatim, no secret, and no TypeError standing in for a real error.
  const logs = harness.logLines.join('');
  expect(logs).toMatch(/"caller":"auth","environment":"credentials-api".*"msg":"deploy gate: locked"/);
  expect(logs).toContain(`"path":"/api/v1/environments/${REDACTED}/deploy-gate"`);
  expect(logs).toContain('"env":"credentials-api"');
  expect(logs).toContain('"env":"auth"');
  expect(logs).toContain('rollback moved');
  expect(logs).not.toContain('TypeError');
  for (const secret of [...Object.values(SECRET), BOT_TOKEN, SIGNING_SECRET]) expect(logs).not.toContain(secret);
});
