/**
 * Model-based test of the rollback flow (issue 22): fast-check generates sequences of what people, CI, Docker and
 * process restarts do to one environment, runs them against the real runbook service and runner (in-memory store,
 * fakes of the ports: ./rollback-world.ts), and checks after EVERY command:
 * (a) no version that a rollback since the last clearing moved production away from is proposed without `to`; named
 *     with `to`, the card warns of it, and Approve does nothing until an incident commander acknowledged that (and
 *     every other risk on the card);
 * (b) the deploy gate is shut while a rollback is active, and after any rollback whose Step 3 started, until an
 *     incident commander clears it;
 * (c) each rollback changes each service at most once;
 * (d) at most one active rollback per environment, and the lock is never leaked (nothing active and nothing to clear:
 *     the gate is open, a request is not refused as "in progress", an unlock of what is marked succeeds);
 * (e) nothing a non-commander does changes state (the requester taking back their own request aside);
 * (f) each announcement (Step 2, Step 5) is posted exactly once per rollback.
 * The model keeps only what the outside world saw: the versions the bot's own Docker updates moved away from since
 * the last clearing, and the last rollback whose Step 3 started. A failure prints the shrunk sequence, its seed and
 * its path. Replay one: MODEL_SEED=<seed> MODEL_PATH=<path> MODEL_REPLAY_PATH=<replayPath> npx jest test/model
 * (MODEL_RUNS=<n> runs more or fewer sequences).
 */
import fc from 'fast-check';
import { unacknowledged } from '../../src/domain/risks';
import { isTerminal, type Rollback } from '../../src/domain/rollback';
import type { DeployGate } from '../../src/runbook/use-cases/queries';
import { type Crash, ENV, isCommander, type Step3, type User, USERS, World } from '../support/rollback-world';

interface Model {
  /** Versions the bot's own updates moved production away from since the last clearing. */
  rolledAwayFrom: Set<string>;
  /** The last rollback whose Step 3 started (Docker was asked to update) since the last clearing; null: cleared. */
  touchedBy: string | null;
  /** The rollbacks made, newest first (named by the bot; commands pick one by position). */
  ids: string[];
  /** How many of the swarm's bot updates the model has taken in. */
  updatesSeen: number;
  /** Step 1 proposals already checked: `<id>@<when Step 1 ended>`. */
  proposalsSeen: Set<string>;
}

type Cmd = fc.AsyncCommand<Model, World>;

const VERSIONS = ['v1', 'v2', 'v3'] as const;
const CHANNEL = 'C0INCIDENT';
const nth = (i: number) => (i === 0 ? 'newest' : `newest-${i}`);
const active = (rs: Rollback[]) => rs.filter((r) => !isTerminal(r.status) && !r.dryRun);

function fail(invariant: string, message: string): never {
  throw new Error(`invariant ${invariant} broken: ${message}`);
}

/**
 * What a non-commander must not change: every rollback as stored, what runs, the gate, the announcements. `only`: the
 * rollbacks that existed before a request (a request may add one, and with it shut the gate).
 */
async function snapshot(w: World, only?: Set<string>): Promise<Map<string, string>> {
  const parts = new Map<string, string>();
  for (const r of await w.rollbacks()) if (!only || only.has(r.id)) parts.set(`rollback ${r.id}`, JSON.stringify(r));
  parts.set('services', JSON.stringify([...w.swarm.services.entries()]));
  parts.set('announcements', String(w.notifier.announced.length));
  if (!only) parts.set('gate', gateWords(await w.proc.service.deployGate(ENV)));
  return parts;
}

const gateWords = (g: DeployGate | null) =>
  !g ? 'none' : g.open ? 'open' : `shut (${g.reason}, rollback ${g.rollback.id} ${g.rollback.status})`;

/** Which parts differ, and for a rollback which of its fields. */
function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [b, a] = [before.get(key), after.get(key)];
    if (a === b) continue;
    if (!key.startsWith('rollback ') || !a || !b) {
      out.push(`${key}: ${b ?? '(none)'} → ${a ?? '(none)'}`);
      continue;
    }
    const [rb, ra] = [JSON.parse(b) as Record<string, unknown>, JSON.parse(a) as Record<string, unknown>];
    const fields = Object.keys({ ...rb, ...ra }).filter((k) => JSON.stringify(rb[k]) !== JSON.stringify(ra[k]));
    out.push(`${key}: ${fields.map((k) => `${k} ${JSON.stringify(rb[k])} → ${JSON.stringify(ra[k])}`).join('; ')}`);
  }
  return out;
}

/**
 * The hands-on watcher reads what changed (as after any burst of Docker events); then the model takes in what the world
 * saw (new rollbacks, the bot's own Docker updates), and every invariant is checked.
 */
async function observeAndCheck(m: Model, w: World): Promise<void> {
  await w.watch();
  const rs = await w.rollbacks();
  const known = new Set(m.ids);
  const fresh = rs.filter((r) => !known.has(r.id)).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  for (const r of fresh) m.ids.unshift(r.id);
  for (const u of w.swarm.botUpdates.slice(m.updatesSeen)) {
    m.touchedBy = u.rollbackId;
    if (u.changed && u.from) m.rolledAwayFrom.add(u.from);
  }
  m.updatesSeen = w.swarm.botUpdates.length;
  const rolledAway = [...m.rolledAwayFrom].join(', ');

  // (a) What Step 1 proposed or was told to roll back to (each Step 1 once), and what the form would prefill now.
  for (const r of rs) {
    if (r.target === null || !r.steps.confirm.endedAt) continue;
    const key = `${r.id}@${r.steps.confirm.endedAt}`;
    if (m.proposalsSeen.has(key)) continue;
    m.proposalsSeen.add(key);
    if (!m.rolledAwayFrom.has(r.target)) continue;
    if (r.requestedTarget === null)
      fail(
        '(a)',
        `rollback ${r.id} (no \`to\`) proposes ${r.target}, which a rollback since the last clearing moved production away from (${rolledAway})`,
      );
    if (r.status === 'awaiting_approval' && !unacknowledged(r).includes('rolled_back_from'))
      fail(
        '(a)',
        `rollback ${r.id} names ${r.target} with \`to\`, which a rollback since the last clearing moved production away from (${rolledAway}), and its card asks for no acknowledgement of that (findings.rolledBackFrom: ${JSON.stringify(r.findings?.rolledBackFrom ?? null)})`,
      );
  }
  const prefill = await w.proc.service.proposalFor(ENV);
  if (prefill !== null && m.rolledAwayFrom.has(prefill))
    fail('(a)', `the request form proposes ${prefill}, which a rollback moved production away from (${rolledAway})`);

  const running = active(rs);
  const gate = await w.proc.service.deployGate(ENV);
  if (!gate) throw new Error(`no deploy gate for ${ENV}`);
  // (b)
  if (running.length > 0 && gate.open)
    fail('(b)', `the deploy gate is open while rollback ${running[0].id} is ${running[0].status}`);
  if (m.touchedBy !== null && gate.open) {
    const by = rs.find((r) => r.id === m.touchedBy);
    fail(
      '(b)',
      `the deploy gate is open (200) although Step 3 of rollback ${m.touchedBy} (${by?.status ?? '?'}) touched production and nobody cleared it`,
    );
  }
  // (c)
  const changes = new Map<string, number>();
  for (const u of w.swarm.botUpdates.filter((x) => x.changed)) {
    const key = `${u.rollbackId} ${u.service}`;
    changes.set(key, (changes.get(key) ?? 0) + 1);
    if ((changes.get(key) ?? 0) > 1) fail('(c)', `rollback ${u.rollbackId} changed ${u.service} twice`);
  }
  // (d)
  if (running.length > 1)
    fail(
      '(d)',
      `${running.length} active rollbacks in ${ENV}: ${running.map((r) => `${r.id} ${r.status}`).join(', ')}`,
    );
  if (running.length === 0 && m.touchedBy === null && !gate.open)
    fail('(d)', `the deploy gate is shut (${gate.reason}, rollback ${gate.rollback.id}) with nothing active or marked`);
  // (f)
  for (const r of rs) {
    const posted = (step: 'announce' | 'complete') =>
      w.notifier.announced.filter((a) => a.id === r.id && a.step === step).length;
    for (const [step, done] of [
      ['announce', r.announcement],
      ['complete', r.resolution],
    ] as const) {
      const n = posted(step);
      if (n > 1 || (done && n !== 1))
        fail('(f)', `rollback ${r.id} (${r.status}): the ${step} announcement was posted ${n} times`);
    }
    if (!r.approvedBy && posted('announce') > 0)
      fail('(f)', `rollback ${r.id} was announced but never approved (${r.status})`);
  }
}

/** Runs what a user does; a non-commander's action must leave everything as it was (e). The caller checks the rest. */
async function asUser(
  m: Model,
  w: World,
  user: User,
  exempt: boolean,
  action: () => Promise<unknown>,
  only?: () => Promise<Set<string>>,
): Promise<void> {
  // People click seconds apart (a frozen clock would make two rollbacks end in the same millisecond).
  w.advance(1000);
  const guarded = !isCommander(user) && !exempt;
  const scope = guarded && only ? await only() : undefined;
  const before = guarded ? await snapshot(w, scope) : null;
  await action();
  await w.settle();
  if (before) {
    const diff = changed(before, await snapshot(w, scope));
    if (diff.length > 0) fail('(e)', `${user} (not an incident commander) changed state: ${diff.join('; ')}`);
  }
}

class Request implements Cmd {
  constructor(
    readonly user: User,
    readonly to: string | null,
  ) {}
  check = () => true;
  async run(m: Model, w: World) {
    const idle = active(await w.rollbacks()).length === 0;
    let out: Awaited<ReturnType<typeof w.proc.service.request>> | undefined;
    const existing = async () => new Set((await w.rollbacks()).map((r) => r.id));
    await asUser(
      m,
      w,
      this.user,
      false,
      async () => {
        out = await w.proc.service.request({
          environment: ENV,
          target: this.to,
          reason: 'errors after the deploy',
          userId: this.user,
          channelId: CHANNEL,
        });
      },
      existing,
    );
    if (idle && out?.kind === 'refused' && /rollback in progress/.test(out.message))
      fail('(d)', `nothing was active, yet the request was refused: ${out.message}`);
    await observeAndCheck(m, w);
  }
  toString = () => `Request(${this.user}${this.to ? `, to ${this.to}` : ''})`;
}

abstract class OnRollback implements Cmd {
  constructor(
    readonly user: User,
    readonly pick: number,
  ) {}
  check = (m: Readonly<Model>) => m.ids.length > 0;
  protected id = (m: Model) => m.ids[this.pick % m.ids.length];
  abstract run(m: Model, w: World): Promise<void>;
  abstract toString(): string;
}

class Approve extends OnRollback {
  async run(m: Model, w: World) {
    const id = this.id(m);
    const before = await w.store.get(id);
    const pending = before?.status === 'awaiting_approval' ? unacknowledged(before) : [];
    await asUser(m, w, this.user, false, () => w.proc.service.approve(id, this.user));
    // (a) A risk on the card (a target a rollback moved away from among them) holds Approve back until acknowledged.
    const after = await w.store.get(id);
    if (pending.length > 0 && after?.approvedBy)
      fail('(a)', `rollback ${id} was approved by ${after.approvedBy} with ${pending.join(', ')} not acknowledged`);
    await observeAndCheck(m, w);
  }
  toString = () => `Approve(${this.user}, ${nth(this.pick)})`;
}

class Cancel extends OnRollback {
  async run(m: Model, w: World) {
    const r = await w.store.get(this.id(m));
    // The requester may take back their own request before anyone approved it.
    const own = r?.requestedBy === this.user && ['requested', 'confirming', 'awaiting_approval'].includes(r.status);
    await asUser(m, w, this.user, own, () => w.proc.service.cancel(this.id(m), this.user));
    await observeAndCheck(m, w);
  }
  toString = () => `Cancel(${this.user}, ${nth(this.pick)})`;
}

class Acknowledge extends OnRollback {
  async run(m: Model, w: World) {
    const r = await w.store.get(this.id(m));
    const risk = (r && unacknowledged(r)[0]) ?? 'no_criterion';
    await asUser(m, w, this.user, false, () => w.proc.service.acknowledge(this.id(m), this.user, risk));
    await observeAndCheck(m, w);
  }
  toString = () => `Acknowledge(${this.user}, ${nth(this.pick)})`;
}

/** The card's "Root cause investigated: clear the mark". */
class ClearMark extends OnRollback {
  async run(m: Model, w: World) {
    const id = this.id(m);
    let out: Awaited<ReturnType<typeof w.proc.service.clearRootCause>> | undefined;
    await asUser(m, w, this.user, false, async () => (out = await w.proc.service.clearRootCause(id, this.user)));
    if (isCommander(this.user) && out?.kind === 'ok' && id === m.touchedBy) clearModel(m);
    await observeAndCheck(m, w);
  }
  toString = () => `ClearMark(${this.user}, ${nth(this.pick)})`;
}

function clearModel(m: Model) {
  m.touchedBy = null;
  m.rolledAwayFrom = new Set();
}

/** `/rollback unlock production`. */
class Unlock implements Cmd {
  constructor(readonly user: User) {}
  check = () => true;
  async run(m: Model, w: World) {
    const idle = active(await w.rollbacks()).length === 0;
    const marked = m.touchedBy;
    let out: Awaited<ReturnType<typeof w.proc.service.unlock>> | undefined;
    await asUser(m, w, this.user, false, async () => (out = await w.proc.service.unlock(ENV, this.user, 'looked')));
    if (isCommander(this.user) && out?.kind === 'ok') clearModel(m);
    else if (isCommander(this.user) && idle && marked !== null)
      fail(
        '(d)',
        `an incident commander cannot clear the mark rollback ${marked} left: "${out?.kind === 'refused' ? out.message : ''}"`,
      );
    await observeAndCheck(m, w);
  }
  toString = () => `Unlock(${this.user})`;
}

/** How the next Step 3 and Step 4 go, until arranged otherwise. */
class Arrange implements Cmd {
  constructor(
    readonly step3: Step3,
    readonly healthy: boolean,
  ) {}
  check = () => true;
  async run(m: Model, w: World) {
    w.swarm.step3 = this.step3;
    w.healthy = this.healthy;
    await observeAndCheck(m, w);
  }
  toString = () => `Arrange(step3 ${this.step3}, health ${this.healthy ? 'ok' : 'fails'})`;
}

/** The process will stop there, once: a restart picks the rollback up. */
class CrashAt implements Cmd {
  constructor(readonly at: Crash) {}
  check = () => true;
  async run(m: Model, w: World) {
    w.arm(this.at);
    await observeAndCheck(m, w);
  }
  toString = () => `CrashAt(${this.at})`;
}

/** The process is killed; while it is down someone may deploy by hand; a new one starts and resumes. */
class Restart implements Cmd {
  constructor(readonly handDeploy: string | null) {}
  check = () => true;
  async run(m: Model, w: World) {
    await w.restart(() => this.handDeploy && w.swarm.deployByHand(this.handDeploy));
    await observeAndCheck(m, w);
  }
  toString = () => (this.handDeploy ? `Restart(while down: HandDeploy(${this.handDeploy}))` : 'Restart');
}

/** `docker service update --image …:<version>` by hand; the hands-on watcher reads what changed. */
class HandDeploy implements Cmd {
  constructor(readonly version: string) {}
  check = () => true;
  async run(m: Model, w: World) {
    w.advance(1000);
    w.swarm.deployByHand(this.version);
    await observeAndCheck(m, w);
  }
  toString = () => `HandDeploy(${this.version})`;
}

/** CI asks POST /api/v1/deployments; an accepted report is a deploy that goes ahead (Docker then runs it). */
class DeployReport implements Cmd {
  constructor(readonly version: string) {}
  check = () => true;
  async run(m: Model, w: World) {
    w.advance(1000);
    const shut = m.touchedBy !== null || active(await w.rollbacks()).length > 0;
    const out = await w.proc.service.reportDeploy(
      { environment: ENV, version: this.version, commit: `c0ffee${this.version}`, actor: 'CI', url: null },
      'github-ci',
    );
    if (shut && out.kind !== 'locked') fail('(b)', `a deploy report of ${this.version} was ${out.kind}, not locked`);
    if (out.kind === 'recorded') w.swarm.deployByHand(this.version);
    await observeAndCheck(m, w);
  }
  toString = () => `DeployReport(${this.version})`;
}

/** Time passes; the sweep runs (orphans resumed, stale cards expired). */
class Wait implements Cmd {
  constructor(readonly minutes: number) {}
  check = () => true;
  async run(m: Model, w: World) {
    w.advance(this.minutes * 60_000);
    await w.proc.service.resumeOrphans();
    await w.proc.service.expireStale();
    await w.settle();
    await observeAndCheck(m, w);
  }
  toString = () => `Wait(${this.minutes} min)`;
}

const user = fc.constantFrom(...USERS);
const commander = fc.constantFrom<User>('U0IC', 'U0IC2');
const someone = fc.oneof({ weight: 3, arbitrary: commander }, { weight: 2, arbitrary: user });
const pick = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) });
const version = fc.constantFrom(...VERSIONS);

/** Weighted towards what gets a rollback to Step 3 (a request, its acknowledgement, Approve), where things go wrong. */
const anyCommand = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(someone, fc.option(version, { freq: 4 })).map(([u, to]) => new Request(u, to)) },
  { weight: 4, arbitrary: fc.tuple(someone, pick).map(([u, p]) => new Approve(u, p)) },
  { weight: 3, arbitrary: fc.tuple(someone, pick).map(([u, p]) => new Acknowledge(u, p)) },
  { weight: 1, arbitrary: fc.tuple(user, pick).map(([u, p]) => new Cancel(u, p)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom<Step3>('ok', 'ok', 'partial', 'fails'), fc.boolean())
      .map(([s, h]) => new Arrange(s, h)),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<Crash>('step2', 'step3-before', 'step3-after', 'step3-mixed', 'step5')
      .map((c) => new CrashAt(c)),
  },
  { weight: 1, arbitrary: fc.option(version, { freq: 3 }).map((v) => new Restart(v)) },
  { weight: 1, arbitrary: version.map((v) => new HandDeploy(v)) },
  { weight: 1, arbitrary: version.map((v) => new DeployReport(v)) },
  { weight: 1, arbitrary: fc.tuple(someone, pick).map(([u, p]) => new ClearMark(u, p)) },
  { weight: 2, arbitrary: someone.map((u) => new Unlock(u)) },
  { weight: 1, arbitrary: fc.constantFrom(1, 10, 31).map((min) => new Wait(min)) },
);

const runs = Number(process.env.MODEL_RUNS ?? 1000);

it(`keeps invariants (a)–(f) over ${runs} generated sequences of requests, clicks, failures, restarts, deploys and time`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.commands([anyCommand], {
        maxCommands: 30,
        size: 'medium',
        ...(process.env.MODEL_REPLAY_PATH ? { replayPath: process.env.MODEL_REPLAY_PATH } : {}),
      }),
      async (cmds) => {
        const setup = async () => {
          const real = new World();
          await real.start();
          const model: Model = {
            rolledAwayFrom: new Set(),
            touchedBy: null,
            ids: [],
            updatesSeen: 0,
            proposalsSeen: new Set(),
          };
          return { model, real };
        };
        await fc.asyncModelRun(setup, cmds);
      },
    ),
    {
      numRuns: runs,
      verbose: fc.VerbosityLevel.Verbose,
      ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH } : {}),
    },
  );
  // 8 s for 1,000 sequences on this machine when idle, 25 s when busy; the margin is for a machine busy with the rest of the suite.
}, 120_000);
