/**
 * The safety audit (issue 11): what a workspace member who is not an incident commander, a slow Slack, a crash or a
 * double click could do to the bot, each reproduced against the real bot (HTTP receiver, signed requests, the fake
 * Slack Web API, a real SQLite file) on a simulated swarm, and what the bot does now instead.
 */
import { connect } from 'node:net';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTerminal, type Rollback } from '../../src/domain/rollback';
import { MODAL_BLOCK } from '../../src/slack/blocks/modal';
import { ACTION, VIEW } from '../../src/slack/ids';
import { type Harness, responseFor, SIGNING_SECRET, startHarness } from '../support/bot-harness';
import { CHANNEL, IC, ONCALL, request, SOMEONE, waitStatus } from '../support/scenario';
import { type Sim, simConfig, startSim } from '../support/sim-env';
import { postSigned, slashCommandBody, viewSubmissionBody } from '../support/slack-requests';
import { sendRaw } from '../support/serve-handler';

jest.setTimeout(60_000);

const OTHER_IC = 'U0IC2';
const PLATFORM_CHANNEL = 'C0PLATFORM';

let sim: Sim;
let harnesses: Harness[] = [];

beforeEach(async () => {
  sim = await startSim(300);
});
afterEach(async () => {
  // DEBUG_LOGS=1 shows the bots' logs of a failing test.
  if (process.env.DEBUG_LOGS)
    for (const h of harnesses) console.log(h.logLines.filter((l) => /"level":(30|40|50)/.test(l)).join(''));
  await Promise.all(harnesses.map((h) => h.stop()));
  harnesses = [];
  await sim.close();
});

async function bot(config = simConfig(sim), opts: Parameters<typeof startHarness>[1] = {}): Promise<Harness> {
  const h = await startHarness(config, { runtime: sim.target, ...opts });
  harnesses.push(h);
  return h;
}

const said = async (h: Harness, responseUrl: string) => String((await responseFor(h.slack, responseUrl)).text);
const thread = (h: Harness, ts: string) => h.slack.threadMessages(ts).join('\n');
const cardJson = (h: Harness, ts: string) =>
  JSON.stringify(
    h.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === ts)
      .map((c) => c.args.blocks),
  ) +
  JSON.stringify(
    h.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.ts === ts)
      .map((c) => c.args.blocks),
  );
const announcements = (h: Harness, what = 'ROLLBACK IN PROGRESS') =>
  h.slack.channelMessages(CHANNEL).filter((c) => String(c.args.text).includes(what));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Request → Step 1 → awaiting approval. */
async function pending(h: Harness, text = 'production errors after the deploy', user = ONCALL) {
  const r = await request(h, text, user);
  await waitStatus(h, r.rollback.id, 'awaiting_approval', 20_000);
  return r;
}

/** Request → Approve → completed with the resolution posted. */
async function completed(
  h: Harness,
  text = 'production errors after the deploy',
): Promise<{ rollback: Rollback; cardTs: string }> {
  const r = await pending(h, text);
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await h.slack.waitFor(
    () => h.db.get(r.rollback.id)?.resolution,
    `rollback ${r.rollback.id} to be announced complete`,
  );
  return { rollback: h.db.get(r.rollback.id) as Rollback, cardTs: r.cardTs };
}

/** A local HTTP server standing in for GitHub's issues API or PagerDuty's Events API: records every request. */
async function recorder(
  answer: (req: IncomingMessage, body: string) => { status: number; body: unknown; delayMs?: number },
) {
  const received: Array<{ method: string; url: string; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body });
      const a = answer(req, body);
      setTimeout(
        () => res.writeHead(a.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(a.body)),
        a.delayMs ?? 0,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('0. a stray request never takes the bot down', () => {
  const raw = (port: number, text: string) =>
    new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(text));
      let out = '';
      socket.on('data', (d) => (out += d.toString()));
      socket.on('close', () => resolve(out));
      socket.on('error', () => resolve(out));
    });

  it('answers unknown paths, wrong methods, oversized and malformed requests with 4xx, then still rolls back', async () => {
    const h = await bot();
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', onCrash);
    try {
      const probes: Array<[string, string, string | undefined]> = [
        ['POST', '/metrics', 'x'],
        ['GET', '/', undefined],
        ['POST', '/api/x', 'a=b'],
        ['GET', '/slack/events', undefined],
        ['PUT', '/slack/events', 'x'],
        ['DELETE', '/healthz', undefined],
        ['GET', '/slack/events/../../etc/passwd', undefined],
        ['POST', '/slack/actions', 'payload=%7B%7D'],
        ['OPTIONS', '/', undefined],
      ];
      for (const [method, path, body] of probes) {
        const res = await fetch(`${h.baseUrl}${path}`, { method, body });
        expect([404, 405]).toContain(res.status);
      }
      // 6 MB to the events endpoint: refused before it is read whole.
      // 6 MiB said up front, 64 KiB sent: refused from the header, the rest never read.
      const big = await sendRaw(h.baseUrl, {
        path: '/slack/events',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(6 * 1024 * 1024) },
        chunks: [Buffer.alloc(64 * 1024, 'x')],
      });
      expect(big.status).toBe(413);
      // Signed, but not a Slack payload at all.
      const signedJunk = await postSigned(`${h.baseUrl}/slack/events`, 'payload=%7Bnot-json', {
        secret: SIGNING_SECRET,
      });
      expect(signedJunk.status).toBeLessThan(500);
      // Not HTTP at all.
      expect(await raw(h.bot.port, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400|^$/);
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
      await completed(h);
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onCrash);
    }
  });
});

describe('1. a refused click never changes history', () => {
  it('a non-commander pressing a leftover button on an old rollback does not revive its version guard', async () => {
    const h = await bot();
    const first = await completed(h, 'production first incident');
    // A second bad deploy, v3, rolled back to v1: "the version just rolled back from" is now v3.
    sim.target.deployByHand('v3');
    const second = await completed(h, 'production to v1 second incident');
    expect(second.rollback.results?.[0].fromVersion).toBe('v3');
    const before = h.db.get(first.rollback.id) as Rollback;

    const click = await h.click(`${ACTION.tick}:smoke_passing`, first.rollback.id, SOMEONE, first.cardTs);
    expect(await said(h, click.responseUrl)).toContain('Only an incident commander');
    const after = h.db.get(first.rollback.id) as Rollback;
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(after.version).toBe(before.version);
    // Still audited.
    expect(h.db.timeline(first.rollback.id).some((e) => e.type === 'ApprovalRefused' && e.actor === SOMEONE)).toBe(
      true,
    );
    // The mark stays on the rollback that completed last.
    expect((await h.bot.service.status()).marked.map((r) => r.id)).toEqual([second.rollback.id]);

    // Swarm's PreviousSpec is now v3, the bad version: the bot must not propose it.
    // It refuses the request to the requester (nothing to roll back to), naming the rollback that moved away from v3.
    const known = h.db.list({ limit: 100 }).length;
    const third = await h.command('production again', ONCALL, CHANNEL);
    const refusal = await said(h, third.responseUrl);
    expect(refusal).toContain('Nothing to roll back to in production');
    expect(refusal).toContain(second.rollback.id);
    expect(h.db.list({ limit: 100 })).toHaveLength(known);
  });
});

describe('2. text from users and from outside is shown, never obeyed', () => {
  const EVIL = '<!here> checkout down, see <https://evil.example|Runbook> & ping <!subteam^S0EVIL>';

  it('escapes the form reason on the card, in the announcement and in the thread; keeps the bot’s own @channel', async () => {
    const h = await bot();
    const body = viewSubmissionBody({
      userId: ONCALL,
      callbackId: VIEW.request,
      privateMetadata: JSON.stringify({ channelId: CHANNEL }),
      values: {
        [MODAL_BLOCK.environment]: { value: { type: 'static_select', selected_option: { value: 'production' } } },
        [MODAL_BLOCK.version]: { value: { type: 'plain_text_input', value: '' } },
        [MODAL_BLOCK.reason]: { value: { type: 'plain_text_input', value: EVIL } },
      },
    });
    expect((await postSigned(`${h.baseUrl}/slack/events`, body, { secret: SIGNING_SECRET })).status).toBe(200);
    const r = await h.slack.waitFor(
      () => h.db.list({ limit: 1 }).find((x) => x.status === 'awaiting_approval'),
      'the rollback',
    );
    const ts = r.card?.ts as string;
    await h.click(ACTION.approve, r.id, IC, ts);
    await h.slack.waitFor(() => h.db.get(r.id)?.resolution, 'the resolution');

    const sent =
      cardJson(h, ts) + thread(h, ts) + JSON.stringify(h.slack.channelMessages(CHANNEL).map((c) => c.args.text));
    for (const live of ['<!here>', '<https://evil.example', '<!subteam^S0EVIL>']) expect(sent).not.toContain(live);
    const [announcement] = announcements(h);
    expect(String(announcement.args.text)).toContain(
      'Reason: &lt;!here&gt; checkout down, see &lt;https://evil.example|Runbook&gt; &amp; ping &lt;!subteam^S0EVIL&gt;',
    );
    expect(String(announcement.args.text).startsWith('<!channel> ROLLBACK IN PROGRESS')).toBe(true);
  });

  it('shows a slash command’s reason as typed (Slack sends it escaped), neither live nor escaped twice', async () => {
    const h = await bot();
    // Slack escapes &, < and > in slash command text.
    const r = await request(h, 'production --dry-run &lt;!channel&gt; &amp; more');
    await waitStatus(h, r.rollback.id, 'rehearsed');
    const card = cardJson(h, r.cardTs);
    expect(card).toContain('&lt;!channel&gt; &amp; more');
    expect(card).not.toContain('&amp;lt;');
    expect(h.db.get(r.rollback.id)?.reason).toBe('<!channel> & more');
  });

  it('summarises a health endpoint’s HTML error page (“HTTP 404, HTML page”), showing none of its markup', async () => {
    const h = await bot();
    sim.healthOverride = {
      status: 404,
      contentType: 'text/html',
      body: '<HTML><HEAD><TITLE>404</TITLE></HEAD><BODY><!channel> gone</BODY></HTML>',
    };
    const r = await pending(h);
    // The card is redrawn after the state is stored, not before: wait for Step 1's findings to reach it.
    const card = await h.slack.waitFor(
      () => (cardJson(h, r.cardTs).includes('HTML page') ? cardJson(h, r.cardTs) : undefined),
      'the card with the health answer',
    );
    expect(card).toContain('*Health:* :x: HTTP 404, HTML page');
    expect(card).not.toMatch(/TITLE|HEAD|BODY/);
    expect(card).not.toContain('<!channel>');
    expect(thread(h, r.cardTs)).not.toContain('<!channel>');
    expect(thread(h, r.cardTs)).not.toMatch(/TITLE/);
  });

  it('writes its own help so Slack shows the placeholders', async () => {
    const h = await bot();
    const res = await h.command('help', ONCALL);
    const text = await said(h, res.responseUrl);
    expect(text).toContain('`/rollback &lt;environment&gt; [to &lt;version&gt;] [reason…]`');
    expect(text).not.toMatch(/<(environment|version|rollback id)>/);
  });
});

describe('3. nobody can flood the channel or hold the lock', () => {
  it('limits requests per user, and a version nobody can pull is the requester’s mistake, not a page', async () => {
    const h = await bot();
    const texts: string[] = [];
    for (let i = 0; i < 8; i++) {
      const before = h.db.list({ limit: 100 }).length;
      const res = await h.command(`production to nosuchtag attempt ${i}`, SOMEONE);
      texts.push(await said(h, res.responseUrl));
      if (h.db.list({ limit: 100 }).length > before) {
        const [latest] = h.db.list({ limit: 1 });
        await waitStatus(h, latest.id, 'failed', 20_000);
      }
    }
    const made = h.db.list({ limit: 100 });
    expect(made.length).toBeLessThanOrEqual(6);
    expect(texts.at(-1)).toMatch(/too many|slow down|limit/i);
    await sleep(300);
    for (const r of made) {
      expect(r.failure?.reason).toContain('nosuchtag');
      const t = thread(h, r.card?.ts as string);
      expect(t).toContain(`<@${SOMEONE}>`);
      for (const paged of [`<@${IC}>`, `<@${ONCALL}>`, '<@U0PLATFORM>']) expect(t).not.toContain(paged);
    }
    expect(h.slack.channelMessages(PLATFORM_CHANNEL)).toHaveLength(0);
  });

  it('a dry run mentions no one', async () => {
    const h = await bot();
    const r = await request(h, 'production --dry-run just looking');
    await waitStatus(h, r.rollback.id, 'rehearsed');
    await h.slack.waitFor(() => thread(h, r.cardTs).includes('Nothing was changed'), 'the plan');
    expect(thread(h, r.cardTs)).not.toMatch(/<@U|<!subteam|<!channel>|<!here>/);
  });

  it('a non-commander’s request does not hold the environment against an incident commander, and its requester can cancel it', async () => {
    const h = await bot();
    const stray = await pending(h, 'production I think it is broken', SOMEONE);
    const real = await request(h, 'production real incident', IC);
    expect(real.rollback.id).not.toBe(stray.rollback.id);
    await waitStatus(h, stray.rollback.id, 'cancelled');
    await waitStatus(h, real.rollback.id, 'awaiting_approval', 20_000);
    expect(thread(h, stray.cardTs)).toContain('superseded');

    await h.click(ACTION.cancel, real.rollback.id, IC, real.cardTs);
    await waitStatus(h, real.rollback.id, 'cancelled');
    const own = await pending(h, 'production mine', SOMEONE);
    await h.click(ACTION.cancel, own.rollback.id, SOMEONE, own.cardTs);
    await waitStatus(h, own.rollback.id, 'cancelled');
  });

  it('answers refused clicks privately and sums them up in the thread at most once a minute', async () => {
    const h = await bot();
    const r = await pending(h);
    const clicks = await Promise.all(
      Array.from({ length: 12 }, () => h.click(ACTION.approve, r.rollback.id, SOMEONE, r.cardTs)),
    );
    for (const c of clicks) expect(await said(h, c.responseUrl)).toMatch(/incident commander|too many/i);
    await sleep(1500);
    const refusalLines = h.slack.threadMessages(r.cardTs).filter((t) => t.includes(`<@${SOMEONE}>`));
    expect(refusalLines.length).toBeLessThanOrEqual(1);
    // A real failure is not held up behind them.
    expect(h.db.get(r.rollback.id)?.status).toBe('awaiting_approval');
  });

  it('limits reports per user', async () => {
    const h = await bot();
    const answers: string[] = [];
    for (let i = 0; i < 8; i++)
      answers.push(await said(h, (await h.command(`report production checkout fails ${i}`, SOMEONE)).responseUrl));
    expect(answers[0]).toContain('Thanks, recorded');
    expect(answers.at(-1)).toMatch(/too many|slow down|limit/i);
  });
});

describe('4. secrets stay secret on every path', () => {
  const LITERAL_ROUTING_KEY = 'R0UTINGliteral9f8e7d6c5b4a';
  const GH_PAT = 'ghp_PATvalue0123456789abcdefABCDEF';
  const URL_PASSWORD = 'hunter2pass';
  const QUERY_TOKEN = 'qs-token-55aa66bb77cc';

  it('keeps literal, ${VAR} and URL secrets out of the card, thread, timeline, history, ticket and page', async () => {
    const github = await recorder(() => ({
      status: 201,
      body: { number: 7, html_url: 'https://github.example/acme/shop/issues/7' },
    }));
    const pagerduty = await recorder(() => ({ status: 202, body: { status: 'success', dedup_key: 'x' } }));
    try {
      const config = simConfig(sim, {
        environment: {
          health: {
            url: `http://deploy:${URL_PASSWORD}@127.0.0.1:1/health?token=${QUERY_TOKEN}`,
            retries: 1,
            interval_ms: 0,
            timeout_ms: 500,
          },
          tickets: { github: { repo: 'acme/shop', token: GH_PAT, api_url: github.url }, auto: true },
        },
        extra: { pagerduty: { routing_key: LITERAL_ROUTING_KEY, events_url: `${pagerduty.url}/v2/enqueue` } },
      });
      const h = await bot(config);
      const r = await pending(h, 'production broken, ping @acme/oncall');
      await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
      await waitStatus(h, r.rollback.id, 'failed', 30_000);
      await h.slack.waitFor(
        () => github.received.length > 0 && pagerduty.received.length > 0,
        'the ticket and the page',
      );
      const timeline = await said(h, (await h.command(`timeline ${r.rollback.id}`, IC)).responseUrl);
      const history = await said(h, (await h.command('history production', IC)).responseUrl);
      expect(timeline).toContain('[redacted]');

      // The routing key is PagerDuty's own credential (sent as routing_key); what the alert says must not carry it.
      const alerts = pagerduty.received.map((x) => (JSON.parse(x.body) as { payload?: unknown }).payload);
      const everything = [
        JSON.stringify(h.slack.calls),
        JSON.stringify(h.slack.responses),
        timeline,
        history,
        JSON.stringify(github.received),
        JSON.stringify(alerts),
        h.logLines.join(''),
      ].join('\n');
      for (const secret of [LITERAL_ROUTING_KEY, GH_PAT, URL_PASSWORD, QUERY_TOKEN])
        expect(everything).not.toContain(secret);
      // The GitHub issue does not ping the team named in the reason.
      const issue = JSON.parse(github.received.find((x) => x.method === 'POST')?.body ?? '{}') as {
        title: string;
        body: string;
      };
      expect(`${issue.title}\n${issue.body}`).not.toMatch(/(^|[^`\w])@acme\/oncall/);
    } finally {
      await github.close();
      await pagerduty.close();
    }
  });

  it('answers timelines and history only in the environment’s channel or to incident commanders', async () => {
    const h = await bot();
    const done = await completed(h);
    const elsewhere = await said(h, (await h.command(`timeline ${done.rollback.id}`, SOMEONE, 'C0RANDOM')).responseUrl);
    expect(elsewhere).not.toContain('## Steps');
    expect(elsewhere).toMatch(/incident channel|incident commander/);
    const history = await said(h, (await h.command('history', SOMEONE, 'C0RANDOM')).responseUrl);
    expect(history).not.toContain(done.rollback.id);
    expect(await said(h, (await h.command(`timeline ${done.rollback.id}`, SOMEONE, CHANNEL)).responseUrl)).toContain(
      '## Steps',
    );
    expect(await said(h, (await h.command(`timeline ${done.rollback.id}`, IC, 'C0RANDOM')).responseUrl)).toContain(
      '## Steps',
    );
  });
});

describe('5. a slow Slack never makes two cards', () => {
  it('the sweep leaves a rollback alone while its card is still being posted', async () => {
    const h = await bot(simConfig(sim), { sweepMs: 100 });
    h.slack.delayWhen(
      'chat.postMessage',
      (a) => !a.thread_ts && Array.isArray(a.blocks) && JSON.stringify(a.blocks).includes('Rollback · production'),
      2000,
    );
    const r = await pending(h);
    await sleep(500);
    const cards = h.slack
      .callsOf('chat.postMessage')
      .filter((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(r.rollback.id));
    expect(cards).toHaveLength(1);
    expect(h.db.get(r.rollback.id)?.card?.ts).toBe(r.cardTs);
  });
});

describe('6. leases belong to one process', () => {
  it.each([
    ['a second process on the same database and host', undefined],
    // Swarm's start-first update runs the old and the new task of one slot side by side, with the same instance id.
    ['a second live boot of the same instance', 'bot-1'],
  ])('%s does not resume the first one’s live rollback', async (_case, instanceId) => {
    const slow = await startSim(2500);
    try {
      const a = await startHarness(simConfig(slow), { runtime: slow.target, instanceId });
      harnesses.push(a);
      const r = await pending(a);
      await a.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
      await a.slack.waitFor(() => slow.target.updates.length > 0, 'the update to start');
      const b = await startHarness(simConfig(slow), {
        runtime: slow.target,
        dbFile: a.dbFile,
        sweepMs: 100,
        instanceId,
      });
      harnesses.push(b);
      await a.slack.waitFor(() => a.db.get(r.rollback.id)?.resolution, 'the resolution', 30_000);
      await sleep(300);
      expect(slow.target.updates).toHaveLength(2);
      expect(announcements(a).length + announcements(b).length).toBe(1);
      expect(b.slack.callsOf('chat.postMessage')).toHaveLength(0);
    } finally {
      await slow.close();
    }
  });
});

describe('8. nothing waits forever; what changed is noticed', () => {
  it('a card awaiting approval expires, frees the environment, and a late click does nothing', async () => {
    const h = await bot(simConfig(sim, { environment: { approval: { expires_after_ms: 1500 } } }), { sweepMs: 200 });
    const r = await pending(h);
    await h.slack.waitFor(() => h.db.get(r.rollback.id)?.status === 'expired', 'the expiry', 10_000);
    await h.slack.waitFor(() => /expired/i.test(thread(h, r.cardTs)), 'the expiry in the thread');
    const late = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    expect(await said(h, late.responseUrl)).toContain('expired');
    expect(sim.target.updates).toHaveLength(0);
    const next = await pending(h, 'production again');
    expect(next.rollback.id).not.toBe(r.rollback.id);
  });

  it('refuses an Approve when production changed since Step 1, and shows the new state', async () => {
    const h = await bot();
    const r = await pending(h);
    sim.target.deployByHand('v3');
    const click = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    expect(await said(h, click.responseUrl)).toMatch(/changed/);
    expect(sim.target.updates).toHaveLength(0);
    await h.slack.waitFor(() => {
      const now = h.db.get(r.rollback.id);
      return now?.status === 'awaiting_approval' && now.findings?.services.every((s) => s.version === 'v3');
    }, 'Step 1 to run again and show v3');
    await h.slack.waitFor(() => cardJson(h, r.cardTs).includes('runs `v3`'), 'the card to show v3');
    expect(thread(h, r.cardTs)).toContain('production changed since Step 1');
  });
});

describe('9. after-care is idempotent; paths are normalised; four eyes means two commanders', () => {
  it('two quick clicks on Schedule post-mortem schedule two reminders, not four', async () => {
    const h = await bot();
    const done = await completed(h);
    await Promise.all([
      h.click(ACTION.schedulePostmortem, done.rollback.id, IC, done.cardTs),
      h.click(ACTION.schedulePostmortem, done.rollback.id, OTHER_IC, done.cardTs),
    ]);
    await h.slack.waitFor(
      () => h.db.get(done.rollback.id)?.checklist.ticks.some((t) => t.item === 'postmortem_scheduled'),
      'the tick',
    );
    await sleep(500);
    expect(
      h.slack.callsOf('chat.scheduleMessage').filter((c) => String(c.args.text).includes('Post-mortem')),
    ).toHaveLength(2);
  });

  it('two quick clicks on Create incident ticket open one ticket', async () => {
    const github = await recorder(() => ({
      status: 201,
      body: { number: 8, html_url: 'https://github.example/acme/shop/issues/8' },
      delayMs: 300,
    }));
    try {
      const h = await bot(
        simConfig(sim, {
          environment: {
            tickets: { github: { repo: 'acme/shop', token: 'ghp_ticket_token_0123456789', api_url: github.url } },
          },
        }),
      );
      const done = await completed(h);
      await Promise.all([
        h.click(ACTION.createTicket, done.rollback.id, IC, done.cardTs),
        h.click(ACTION.createTicket, done.rollback.id, IC, done.cardTs),
      ]);
      await h.slack.waitFor(
        () => h.db.get(done.rollback.id)?.checklist.ticks.find((t) => t.item === 'ticket_created')?.link,
        'the ticket link',
      );
      await sleep(500);
      expect(github.received.filter((x) => x.method === 'POST')).toHaveLength(1);
    } finally {
      await github.close();
    }
  });

  it('applies the future-timestamp check to every spelling of the events path', async () => {
    const h = await bot();
    const future = Math.floor(Date.now() / 1000) + 5 * 60;
    for (const path of ['/slack/./events', '//slack/events', '/slack/events/']) {
      const body = slashCommandBody({
        text: 'production sneaky',
        userId: IC,
        channelId: CHANNEL,
        responseUrl: h.slack.newResponseUrl(),
      });
      const res = await postSigned(`${h.baseUrl}${path}`, body, { secret: SIGNING_SECRET, timestamp: future });
      expect([401, 404]).toContain(res.status);
    }
    expect(h.db.list({ limit: 5 })).toHaveLength(0);
  });

  it('with four eyes, one commander cannot approve a request alone, even a non-commander’s', async () => {
    const h = await bot(simConfig(sim, { environment: { approval: { require_different_approver: true } } }));
    const r = await pending(h, 'production four eyes', SOMEONE);
    const first = await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
    expect(await said(h, first.responseUrl)).toContain('another incident commander');
    await sleep(300);
    expect(h.db.get(r.rollback.id)?.status).toBe('awaiting_approval');
    expect(sim.target.updates).toHaveLength(0);
    await h.click(ACTION.approve, r.rollback.id, OTHER_IC, r.cardTs);
    await h.slack.waitFor(() => h.db.get(r.rollback.id)?.resolution, 'the resolution');
    expect(h.db.get(r.rollback.id)?.approvedBy).toBe(OTHER_IC);
  });

  it('incident commanders can be set per environment', async () => {
    const STAGING_IC = 'U0STAGINGIC';
    sim.target.services.set('stg-backend', { image: 'demo/app-backend', version: 'v2', previousVersion: 'v1' });
    const prod = simConfig(sim).environments.production;
    const config = simConfig(sim, {
      extra: {
        environments: {
          production: prod,
          staging: {
            ...prod,
            channel: 'C0STAGING',
            services: [{ name: 'backend', docker_service: 'stg-backend', image: 'demo/app-backend' }],
            incident_commanders: { users: [STAGING_IC] },
          },
        },
      },
    });
    const h = await bot(config);
    const stg = await request(h, 'staging broken', ONCALL, 'C0STAGING');
    await waitStatus(h, stg.rollback.id, 'awaiting_approval', 20_000);
    const byProdIc = await h.click(ACTION.approve, stg.rollback.id, IC, stg.cardTs, 'C0STAGING');
    expect(await said(h, byProdIc.responseUrl)).toContain('incident commander');
    await h.click(ACTION.approve, stg.rollback.id, STAGING_IC, stg.cardTs, 'C0STAGING');
    await h.slack.waitFor(
      () => h.db.get(stg.rollback.id)?.approvedBy === STAGING_IC,
      'the staging commander’s approval to count',
    );
    await h.slack.waitFor(
      () => isTerminal(h.db.get(stg.rollback.id)?.status ?? 'requested'),
      'the staging rollback to end',
    );
    const prodReq = await pending(h, 'production too');
    const byStagingIc = await h.click(ACTION.approve, prodReq.rollback.id, STAGING_IC, prodReq.cardTs);
    expect(await said(h, byStagingIc.responseUrl)).toContain('incident commander');
    expect(h.db.get(prodReq.rollback.id)?.status).toBe('awaiting_approval');
  });
});
