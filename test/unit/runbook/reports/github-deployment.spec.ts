/**
 * GitHub Deployments following a rollback, on the in-memory world with a recording stand-in for GitHub: created when
 * Step 3 starts (of the commit CI reported, else the tag), in progress, success once Step 4 verified it (and the
 * version rolled back from marked inactive) or failure; GitHub down is a threaded note and the rollback goes on.
 */
import type { ServiceResult } from '../../../../src/domain/findings';
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import type { DeploymentHistory, DeploymentState, ProgressNote } from '../../../../src/ports';
import { record } from '../../../../src/runbook/engine/record';
import { dueOnGitHub, GitHubFollower } from '../../../../src/runbook/reports/github-deployment';
import { approvedEvents, deployReport, draftRollback, unitConfig, unitWorld } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const CARD = { channel: 'C0INCIDENT', ts: '1700000000.000100' };

class StandInGitHub implements DeploymentHistory {
  readonly calls: unknown[] = [];
  down = false;
  async create(d: Parameters<DeploymentHistory['create']>[0]) {
    if (this.down) throw new Error('GitHub did not answer: no answer within 5000 ms');
    this.calls.push(['create', d]);
    return { id: 900, url: 'https://github.com/acme/shop/deployments/production' };
  }
  async setState(id: number, state: DeploymentState, d: { description: string; link?: string }) {
    if (this.down) throw new Error('GitHub did not answer: no answer within 5000 ms');
    this.calls.push(['state', id, state, d.link ?? null]);
  }
  async latest(environment: string, refs: string[], except: number) {
    this.calls.push(['latest', environment, refs, except]);
    return 800;
  }
}

function world() {
  const w = unitWorld(unitConfig({ github: { repo: 'acme/shop', token: 'ghp_t' } }));
  const github = new StandInGitHub();
  const follower = new GitHubFollower(w.deps, {
    cardLink: (c) => `https://slack.example/${c.channel}/${c.ts}`,
    deploymentsFor: (env) => (env === 'production' ? github : null),
  });
  w.deps.afterCare = async (r) => follower.nudge(r);
  const play = async (events: RollbackEvent[]) => {
    for (const e of events) expect((await record(w.deps, 'rb-1', e)).ok).toBe(true);
    await follower.idle();
  };
  return { w, github, follower, play };
}

const untilStep3: RollbackEvent[] = [
  { type: 'CardPosted', at: AT, card: CARD },
  ...approvedEvents(AT),
  { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.2' } },
];
const results: ServiceResult[] = [
  {
    service: 'backend',
    dockerService: 'demo-backend',
    outcome: 'rolled_back',
    fromVersion: 'v2',
    toVersion: 'v1',
    runningVersion: 'v1',
  },
];
const verified: RollbackEvent[] = [
  { type: 'ServicesRolledBack', at: AT, results },
  {
    type: 'RollbackVerified',
    at: AT,
    evidence: { health: { url: 'h', ok: true, attempts: 1, status: 200 }, smokeTests: [] },
  },
];

it('creates the deployment of the reported commit when Step 3 starts, links it, and settles it on success', async () => {
  const { w, github, play } = world();
  await w.store.recordDeploy({ ...deployReport('d1', AT, 'v1'), commit: 'abc1234' });
  await w.store.recordDeploy({ ...deployReport('d2', AT, 'v2'), commit: 'def5678' });
  await w.store.create(draftRollback(AT));
  await play(untilStep3);
  expect(github.calls).toEqual([
    [
      'create',
      expect.objectContaining({
        ref: 'abc1234',
        environment: 'production',
        payload: {
          rollback: expect.objectContaining({
            id: 'rb-1',
            version: 'v1',
            card: 'https://slack.example/C0INCIDENT/1700000000.000100',
          }),
        },
      }),
    ],
    ['state', 900, 'in_progress', 'https://slack.example/C0INCIDENT/1700000000.000100'],
  ]);
  expect((await w.store.get('rb-1'))?.githubDeployment).toEqual({
    state: 'in_progress',
    id: 900,
    url: 'https://github.com/acme/shop/deployments/production',
  });
  github.calls.length = 0;
  await play(verified);
  expect(github.calls).toEqual([
    ['state', 900, 'success', 'https://slack.example/C0INCIDENT/1700000000.000100'],
    ['latest', 'production', ['def5678', 'v2'], 900],
    ['state', 800, 'inactive', null],
  ]);
  expect((await w.store.get('rb-1'))?.githubDeployment?.state).toBe('success');
});

it('uses the tag when CI reported no commit, and marks a failed rollback failure (nothing made inactive)', async () => {
  const { w, github, play } = world();
  await w.store.create(draftRollback(AT));
  await play([...untilStep3, { type: 'ExecutionFailed', at: AT, reason: 'pull failed', results: [] }]);
  expect(github.calls).toEqual([
    ['create', expect.objectContaining({ ref: 'v1' })],
    ['state', 900, 'in_progress', expect.any(String)],
    ['state', 900, 'failure', expect.any(String)],
  ]);
});

it('tells GitHub nothing of a rollback cancelled before approval', async () => {
  const { w, github, play } = world();
  await w.store.create(draftRollback(AT));
  await play([{ type: 'CardPosted', at: AT, card: CARD }, approvedEvents(AT)[0], approvedEvents(AT)[1]]);
  await play([{ type: 'RollbackCancelled', at: AT, by: 'U0IC' }]);
  expect(github.calls).toEqual([]);
});

it('with GitHub down, says so in the thread once and the rollback goes on to completed', async () => {
  const { w, github, play } = world();
  github.down = true;
  await w.store.create(draftRollback(AT));
  await play([...untilStep3, ...verified]);
  const r = await w.store.get('rb-1');
  expect(r?.status).toBe('completed');
  expect(r?.githubDeployment).toEqual({ state: 'unavailable', id: null, url: null });
  const notes = w.notifier.told
    .map((t) => t.event)
    .filter((e): e is ProgressNote => e.type === 'Note' && e.fact.kind === 'github_untold');
  expect(notes).toHaveLength(1);
  expect(notes[0].fact).toMatchObject({ error: expect.stringMatching(/no answer within 5000 ms/) });
});

it('creates one deployment however often it is nudged (the claim is compare-and-set)', async () => {
  const { w, github, follower } = world();
  await w.store.create(draftRollback(AT));
  for (const e of untilStep3) await record({ ...w.deps, afterCare: undefined }, 'rb-1', e);
  const r = await w.store.get('rb-1');
  expect(r && dueOnGitHub(r)).toBe('create');
  // Another replica's follower, on the same store.
  const other = new GitHubFollower(
    { ...w.deps, afterCare: undefined },
    { cardLink: () => 'x', deploymentsFor: () => github },
  );
  if (!r) throw new Error('no rollback');
  follower.nudge(r);
  follower.nudge(r);
  other.nudge(r);
  await Promise.all([follower.idle(), other.idle()]);
  expect(github.calls.filter((c) => (c as unknown[])[0] === 'create')).toHaveLength(1);
});

it('settles, after a restart, a rollback that ended while nobody told GitHub', async () => {
  const { w, github, follower } = world();
  await w.store.create(draftRollback(AT));
  await w.store.recordDeploy({ ...deployReport('d1', AT, 'v1'), commit: null });
  const quiet = { ...w.deps, afterCare: undefined };
  for (const e of untilStep3) await record(w.deps, 'rb-1', e);
  await follower.idle();
  // The bot is down while the rollback ends: no after-care runs.
  for (const e of verified) await record(quiet, 'rb-1', e);
  github.calls.length = 0;
  await follower.catchUp();
  await follower.idle();
  expect(github.calls[0]).toEqual(['state', 900, 'success', expect.any(String)]);
});
