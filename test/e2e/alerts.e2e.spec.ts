/**
 * Alerts propose the rollback (issue 25, part 1), with a REAL Alertmanager (Debian's prometheus-alertmanager) whose
 * webhook receiver points at the bot with a bearer token, on the real swarm: an alert with no deploy before it is
 * kept without a card; a deploy by hand plus a firing alert gives one proposal card with the alert as evidence; the
 * same alert again gives nothing more, and Alertmanager's own retries (the bot answered, Alertmanager heard a 503)
 * nothing twice; its resolution a line under the card; a wrong token a 401 and nothing kept.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BOT_REQUESTER, type Rollback } from '../../src/domain/rollback';
import { type Alertmanager, startAlertmanager } from '../support/alertmanager';
import { type Harness, startHarness } from '../support/bot-harness';
import {
  BACKEND_IMAGE,
  createStack,
  FRONTEND_IMAGE,
  removeServices,
  requireSwarm,
  updateImage,
} from '../support/docker-env';
import { cardText, IC, ONCALL, type Stack, stackConfig, waitStatus } from '../support/scenario';
import { until } from '../support/wait';

jest.setTimeout(120_000);

const TOKEN = 'alertmanager-e2e-token-5b7c0d2e9f';
const GENERATOR = 'http://127.0.0.1:9090/graph?g0.expr=rate(http_errors_total[5m])>0.05&g0.tab=1';

let stack: Stack;
let h: Harness;
let am: Alertmanager;
/** Forwards Alertmanager's webhook to the bot, then answers 503 to the first two deliveries (as a timeout would). */
let flaky: Server;
const flakyDeliveries: number[] = [];

beforeAll(async () => {
  await requireSwarm();
  stack = await createStack('alerts', 'v1');
  h = await startHarness({ ...stackConfig(stack), api: { tokens: { alertmanager: TOKEN } } });
  flaky = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void fetch(`${h.baseUrl}/api/v1/alerts`, {
        method: 'POST',
        headers: { Authorization: String(req.headers.authorization), 'Content-Type': 'application/json' },
        body: Buffer.concat(chunks),
        signal: AbortSignal.timeout(5000),
      }).then(
        (bot) => {
          flakyDeliveries.push(bot.status);
          res.writeHead(flakyDeliveries.length <= 2 ? 503 : bot.status).end();
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  am = await startAlertmanager({
    webhookUrl: `${h.baseUrl}/api/v1/alerts`,
    token: TOKEN,
    routes: [
      { matcher: 'token="wrong"', token: 'not-the-token-00000000000' },
      { matcher: 'delivery="flaky"', url: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/` },
    ],
  });
});
afterAll(async () => {
  await am?.stop();
  await new Promise((r) => flaky?.close(r));
  await h?.stop();
  await removeServices(stack.backend, stack.frontend);
});

/** The bot's decisions, from its log: alert name → outcomes, in order. */
const weighed = (name: string): string[] =>
  h.logLines
    .filter((l) => l.includes('"alert weighed"'))
    .map((l) => JSON.parse(l) as { msg?: string; alert?: string; outcome?: string })
    .filter((l) => l.msg === 'alert weighed' && l.alert === name)
    .map((l) => l.outcome ?? '');

const rollbacks = () => h.db.list({ environment: 'production', limit: 10 });
const thread = (ts: string, pattern: RegExp) =>
  h.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts === ts && pattern.test(String(c.args.text)))
    .map((c) => String(c.args.text));

const labels = (alertname: string, extra: Record<string, string> = {}) => ({
  alertname,
  environment: 'production',
  severity: 'critical',
  ...extra,
});

it('keeps an alert that no deploy came before: no card, no message', async () => {
  await am.push({
    labels: labels('NoDeployYet', { severity: 'warning' }),
    annotations: { summary: 'disk 80% full' },
    startsAt: new Date(Date.now() - 10 * 60_000).toISOString(),
  });
  await h.slack.waitFor(() => weighed('NoDeployYet').length > 0 || undefined, 'the bot to weigh NoDeployYet');
  expect(weighed('NoDeployYet')).toEqual(['kept']);
  expect(h.db.firingAlerts(10).map((a) => [a.name, a.rollbackId])).toEqual([['NoDeployYet', null]]);
  expect(rollbacks()).toEqual([]);
  expect(h.slack.callsOf('chat.postMessage')).toEqual([]);
});

let proposal: Rollback;

it('a bad deploy by hand plus a firing alert: one proposal card back to the version before, the alert as evidence', async () => {
  await Promise.all([
    updateImage(stack.backend, `${BACKEND_IMAGE}:v2`),
    updateImage(stack.frontend, `${FRONTEND_IMAGE}:v2`),
  ]);
  await am.push({
    labels: labels('HighErrorRate'),
    annotations: { summary: '5xx above 5% <!channel>' },
    generatorURL: GENERATOR,
  });
  proposal = await h.slack.waitFor(() => rollbacks().find((r) => r.card), 'the proposal card');
  expect(proposal).toMatchObject({ requestedBy: BOT_REQUESTER, requestedTarget: 'v1' });
  expect(proposal.reason).toMatch(
    /^Alert HighErrorRate \(critical\) firing 0 min after the deploy of v2: 5xx above 5%/,
  );
  const ts = proposal.card?.ts ?? '';
  const [evidence] = await h.slack.waitFor(() => {
    const lines = thread(ts, /Evidence — an alert fired/);
    return lines.length > 0 ? lines : undefined;
  }, 'the evidence line');
  expect(evidence).toContain('*HighErrorRate* (critical): 5xx above 5% &lt;!channel&gt; — firing since <!date^');
  expect(evidence).toContain(
    '· <http://127.0.0.1:9090/graph?g0.expr=rate(http_errors_total[5m])%3E0.05&g0.tab=1|source>',
  );
  // Step 1 runs as for any proposal: on-call and the incident commanders are asked to look.
  await waitStatus(h, proposal.id, 'awaiting_approval');
  expect(cardText(h, ts)).toContain('Proposed rollback · production');
  const step1 = thread(ts, /Step 1.*done/s).join('\n');
  expect(step1).toContain(`<@${ONCALL}>`);
  expect(step1).toContain(`<@${IC}>`);
  expect(weighed('HighErrorRate')).toEqual(['proposed']);
});

it('the same alert again gives nothing more; Alertmanager’s retries of another one make one thread line', async () => {
  // Pushed again: Alertmanager itself sends nothing new. Sent again as its retry would (same payload, same token):
  // the bot accepts it and does nothing more.
  await am.push({ labels: labels('HighErrorRate'), generatorURL: GENERATOR });
  const fingerprint = (await am.alerts()).find((a) => a.labels.alertname === 'HighErrorRate')?.fingerprint ?? '';
  const retry = await fetch(`${h.baseUrl}/api/v1/alerts`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      version: '4',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: labels('HighErrorRate'),
          annotations: {},
          startsAt: new Date().toISOString(),
          generatorURL: GENERATOR,
          fingerprint,
        },
      ],
    }),
  });
  expect(retry.status).toBe(202);
  expect(await retry.json()).toEqual({ accepted: 1, ignored: 0 });

  // Another alert, delivered through the flaky route: the bot answers each time, Alertmanager hears 503 twice and
  // retries; one line in the card's thread.
  await am.push({ labels: labels('LatencyHigh', { delivery: 'flaky' }), annotations: { summary: 'p99 over 2 s' } });
  await h.slack.waitFor(() => flakyDeliveries.length >= 3 || undefined, 'three deliveries through the flaky route');
  await h.slack.waitFor(() => weighed('LatencyHigh').length >= 3 || undefined, 'the bot to weigh every delivery');
  expect(flakyDeliveries).toEqual([202, 202, 202]);
  expect(weighed('LatencyHigh')).toEqual(['noted', 'duplicate', 'duplicate']);
  expect(weighed('HighErrorRate')).toEqual(['proposed', 'duplicate']);
  const ts = proposal.card?.ts ?? '';
  expect(thread(ts, /Alert firing:\* \*LatencyHigh\* \(critical\): p99 over 2 s/)).toHaveLength(1);
  expect(thread(ts, /Evidence — an alert fired/)).toHaveLength(1);
  expect(rollbacks()).toHaveLength(1);
});

it('its resolution adds a line under the card it touched', async () => {
  await am.push({ labels: labels('HighErrorRate'), generatorURL: GENERATOR, endsAt: new Date().toISOString() });
  const ts = proposal.card?.ts ?? '';
  const [line] = await h.slack.waitFor(() => {
    const lines = thread(ts, /Alert resolved:\* \*HighErrorRate\*/);
    return lines.length > 0 ? lines : undefined;
  }, 'the resolved line');
  expect(line).toMatch(/ — resolved <!date\^/);
  expect(
    h.db
      .firingAlerts(10)
      .map((a) => a.name)
      .sort(),
  ).toEqual(['LatencyHigh', 'NoDeployYet']);
});

it('a wrong token gets 401 from the bot, and nothing is kept', async () => {
  const before = await am.metric('alertmanager_notifications_failed_total', { integration: 'webhook' });
  await am.push({ labels: labels('WrongToken', { token: 'wrong' }) });
  await until(
    async () => (await am.metric('alertmanager_notifications_failed_total', { integration: 'webhook' })) > before,
    'Alertmanager to count the failed notification',
    30_000,
    100,
  );
  const refused = h.logLines.filter(
    (l) => l.includes('API request without a valid token') && l.includes('/api/v1/alerts'),
  );
  expect(refused.length).toBeGreaterThanOrEqual(1);
  expect(am.output()).toMatch(/unexpected status code 401/);
  expect(weighed('WrongToken')).toEqual([]);
  expect(h.db.firingAlerts(10).map((a) => a.name)).not.toContain('WrongToken');
  expect(rollbacks()).toHaveLength(1);
  // The token is never in the bot's log.
  expect(h.logLines.join('\n')).not.toContain('not-the-token-00000000000');
});
