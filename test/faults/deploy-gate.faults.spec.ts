/**
 * The deploy gate CI asks before a deploy (issue 15, item 1), through the bot's real HTTP front and a simulated swarm:
 * open when nothing happened, 423 Locked during a rollback and after it until an incident commander clears it (the
 * card's button or `/rollback unlock`), with why and who can clear it; bearer tokens compared in constant time and
 * never logged; 401 for a missing or wrong token (then 429 for an address that keeps trying), 404 for an unknown
 * environment without saying which exist.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Rollback } from '../../src/domain/rollback';
import { ACTION } from '../../src/slack/ids';
import { type Harness, responseFor, startHarness } from '../support/bot-harness';
import { CHANNEL, IC, request, SOMEONE, waitStatus } from '../support/scenario';
import { type Sim, simConfig, startSim } from '../support/sim-env';

jest.setTimeout(60_000);

const CI_TOKEN = 'ci-gate-token-5c1e9a7d3b2f4e60a8';
let sim: Sim;
let h: Harness;

beforeEach(async () => {
  sim = await startSim(300);
  h = await startHarness(simConfig(sim, { extra: { api: { tokens: { 'github-ci': CI_TOKEN } } } }), {
    runtime: sim.target,
  });
});
afterEach(async () => {
  await h.stop();
  await sim.close();
});

const gate = (environment = 'production', token: string | null = CI_TOKEN) =>
  fetch(`${h.baseUrl}/api/v1/environments/${environment}/deploy-gate`, {
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
  });
const json = async (res: Response) => (await res.json()) as Record<string, unknown>;
const said = async (responseUrl: string) => String((await responseFor(h.slack, responseUrl)).text);

async function completedRollback(): Promise<Rollback> {
  const r = await request(h, 'production errors after the deploy');
  await waitStatus(h, r.rollback.id, 'awaiting_approval', 20_000);
  // Locked while it is in progress, already.
  const during = await gate();
  expect(during.status).toBe(423);
  expect(await json(during)).toMatchObject({ reason: 'rollback_in_progress', rollback: { id: r.rollback.id } });
  await h.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  await h.slack.waitFor(() => h.db.get(r.rollback.id)?.resolution, 'the resolution');
  return h.db.get(r.rollback.id) as Rollback;
}

it('is open, then locked by a rollback until an incident commander unlocks it with a reason', async () => {
  const open = await gate();
  expect(open.status).toBe(200);
  expect(await json(open)).toEqual({ environment: 'production', deploys: 'allowed' });

  const r = await completedRollback();
  const locked = await gate();
  expect(locked.status).toBe(423);
  expect(await json(locked)).toEqual({
    environment: 'production',
    deploys: 'locked',
    reason: 'rolled_back',
    message: expect.stringContaining(`production was rolled back from v2 to v1 (${r.id})`),
    since: r.endedAt,
    rollback: {
      id: r.id,
      status: 'completed',
      from: 'v2',
      to: 'v1',
      card: `https://slack.com/archives/${CHANNEL}/p${(r.card?.ts ?? '').replace('.', '')}`,
    },
    clear: {
      who: 'an incident commander',
      how: expect.arrayContaining(['`/rollback unlock production [reason]` in Slack']),
      incident_commanders: ['U0IC', 'U0IC2'],
      incident_commander_groups: [],
    },
  });

  // Only an incident commander may unlock; the refusal changes nothing.
  const refused = await h.command('unlock production looked at it', SOMEONE, CHANNEL);
  expect(await said(refused.responseUrl)).toContain('Only an incident commander');
  expect((await gate()).status).toBe(423);

  const unlocked = await h.command('unlock production fix merged in #812', IC, CHANNEL);
  expect(await said(unlocked.responseUrl)).toContain('Deploys of *production* are allowed again');
  expect((await gate()).status).toBe(200);
  const cleared = h.db.timeline(r.id).find((e) => e.type === 'RootCauseCleared');
  expect(cleared).toMatchObject({ actor: IC, event: { why: 'fix merged in #812' } });
  // Unlocking what is not locked says so.
  const again = await h.command('unlock production', IC, CHANNEL);
  expect(await said(again.responseUrl)).toBe('production is not locked: deploys may go ahead.');
});

it('turns away a missing or wrong token (401), then an address that keeps trying (429), and never logs a token', async () => {
  for (const token of [null, 'wrong-token-0000000000000', `${CI_TOKEN}x`, CI_TOKEN.slice(0, -1)]) {
    const res = await gate('production', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  }
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await gate('production', 'still-wrong-00000000000')).status);
  expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
  expect(statuses.slice(6)).toEqual([429, 429]);
  // The right token still works: the limit is on failures from the address, not on the caller's token.
  expect((await gate()).status).toBe(200);
  const logs = h.logLines.join('');
  expect(logs).toContain('API request without a valid token');
  expect(logs).not.toContain(CI_TOKEN);
  expect(logs).not.toContain('still-wrong-00000000000');
});

it('answers an unknown or malformed environment with the same 404, naming none that exist', async () => {
  for (const env of ['staging', 'prod%2Fuction', '..%2F..', 'x'.repeat(200)]) {
    const res = await gate(env);
    expect(res.status).toBe(404);
    // A path that normalises outside /api/v1/ is the server's plain 404; either way, nothing is named.
    expect(await res.text()).toMatch(/^(\{"error":"not_found",.*\}|Not Found)$/);
  }
  const post = await fetch(`${h.baseUrl}/api/v1/environments/production/deploy-gate`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${CI_TOKEN}` },
  });
  expect(post.status).toBe(405);
  expect(
    (await fetch(`${h.baseUrl}/api/v1/nothing`, { headers: { Authorization: `Bearer ${CI_TOKEN}` } })).status,
  ).toBe(404);
});

it('without api.tokens in the config, the API answers nobody', async () => {
  await h.stop();
  h = await startHarness(simConfig(sim), { runtime: sim.target });
  const res = await gate();
  expect(res.status).toBe(404);
  expect((await json(res)).error).toBe('api_off');
});

describe('POST /api/v1/deployments', () => {
  const report = (body: unknown, token: string | null = CI_TOKEN) =>
    fetch(`${h.baseUrl}/api/v1/deployments`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('records a deploy (201), and Step 1 shows it on the card', async () => {
    const res = await report({
      environment: 'production',
      version: 'v2',
      commit: 'abc1234def5678',
      actor: 'CI run #812',
      url: 'https://ci.example.com/runs/812',
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toEqual({
      accepted: true,
      deploy: {
        id: expect.stringMatching(/^dp-/),
        environment: 'production',
        version: 'v2',
        recorded_at: expect.any(String),
      },
    });
    const r = await request(h, 'production errors after the deploy');
    await waitStatus(h, r.rollback.id, 'awaiting_approval', 20_000);
    const card = JSON.stringify(h.slack.lastCard(r.cardTs)?.args.blocks ?? []);
    expect(card).toContain('*Deployed:* `v2`');
    expect(card).toContain('by <https://ci.example.com/runs/812|CI run #812>, commit `abc1234def56`');
    await h.click(ACTION.cancel, r.rollback.id, IC, r.cardTs);
  });

  it('refuses a deploy reported while locked (423), keeps it as attempted, and tells the card that locked it', async () => {
    const r = await completedRollback();
    const res = await report({ environment: 'production', version: 'v3', actor: 'CI run #813' });
    expect(res.status).toBe(423);
    expect(await json(res)).toMatchObject({
      deploys: 'locked',
      reason: 'rolled_back',
      accepted: false,
      recorded_as: 'attempted while locked',
      deploy: { version: 'v3' },
      rollback: { id: r.id },
    });
    const line = await h.slack.waitFor(
      () => h.slack.threadMessages(r.card?.ts ?? '').find((t) => t.includes('while deploys are locked')),
      'the refused deploy in the thread',
    );
    expect(line).toContain('*github-ci reported a deploy of `v3` while deploys are locked* (CI run #813)');
  });

  it('keeps a version re-reported with another commit, says so, and the migration guard then asks (defect 4)', async () => {
    // GitHub's compare on 127.0.0.1: a migration between two different commits, nothing between a commit and itself.
    const asked: string[] = [];
    const github = createServer((req, res) => {
      asked.push(req.url ?? '');
      const [base, head] = decodeURIComponent(/compare\/(.*)$/.exec(req.url ?? '')?.[1] ?? '').split('...');
      const files = base === head ? [] : [{ filename: 'migrations/0042_orders.sql', status: 'added' }];
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'ahead', files }));
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    try {
      await h.stop();
      const apiUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
      h = await startHarness(
        simConfig(sim, {
          environment: { migrations: { github: { repo: 'acme/shop', token: 'ghp_example', api_url: apiUrl } } },
          extra: { api: { tokens: { 'github-ci': CI_TOKEN } } },
        }),
        { runtime: sim.target },
      );
      expect((await report({ environment: 'production', version: 'v1', commit: 'c0ffee1' })).status).toBe(201);
      expect((await report({ environment: 'production', version: 'v2', commit: 'bad0bad' })).status).toBe(201);
      // The running version re-reported with the target's commit: kept (a mutable tag may honestly be re-pushed)...
      const again = await report({ environment: 'production', version: 'v2', commit: 'c0ffee1' });
      expect(again.status).toBe(201);
      expect(await json(again)).toMatchObject({
        accepted: true,
        warning: expect.stringContaining('v2 was reported before with commit bad0bad'),
      });
      // ...and it does not turn the guard off: no X...X compare, "unknown", and the acknowledgement is asked for.
      const r = await request(h, 'production errors after the deploy');
      await waitStatus(h, r.rollback.id, 'awaiting_approval', 20_000);
      const card = JSON.stringify(h.slack.lastCard(r.cardTs)?.args.blocks ?? []);
      expect(card).toContain(
        '*Database migrations: unknown* (CI reported v2 with different commits (c0ffee1, bad0bad)',
      );
      expect(card).toContain(ACTION.ackMigrations);
      expect(asked.filter((u) => u.includes('c0ffee1...c0ffee1'))).toEqual([]);
      await h.click(ACTION.cancel, r.rollback.id, IC, r.cardTs);
    } finally {
      github.closeAllConnections();
      await new Promise((resolve) => github.close(resolve));
    }
  });

  it('answers malformed, invalid, oversized and unauthenticated reports without recording them', async () => {
    expect((await report('{"environment":')).status).toBe(400);
    const invalid = await report({ environment: 'production', version: 'v1; rm -rf /', commit: 'xyz', extra: 1 });
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('version: an image tag'),
        expect.stringContaining('commit: a git commit'),
        expect.stringContaining('extra'),
      ]),
    );
    const big = await report({ environment: 'production', version: 'v2', actor: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect((await report({ environment: 'production', version: 'v2' }, null)).status).toBe(401);
    expect((await report({ environment: 'staging', version: 'v2' })).status).toBe(404);
    const get = await fetch(`${h.baseUrl}/api/v1/deployments`, { headers: { Authorization: `Bearer ${CI_TOKEN}` } });
    expect(get.status).toBe(405);
    expect(h.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });
});
