/**
 * The world the model-based test drives: the real runbook service and runner over the in-memory store, with fakes of
 * the ports (the simulated swarm, a health probe, Slack as a recording notifier, the directory, a clock the test
 * moves). What the fakes see is what the model learns from: which versions the bot's own updates moved production
 * away from, and when Step 3 started. A process can be "killed" mid-step (every call it makes from then on hangs, like
 * a process that is gone) and a new one started over the same store, which resumes what nobody drives.
 */
import { MemoryRollbackStore } from '../../src/adapters/memory/memory.rollback-store';
import { ErrorCode, RollbackBotError } from '../../src/domain/errors';
import type { ProbeObservation } from '../../src/domain/findings';
import type { MessageRef, Rollback } from '../../src/domain/rollback';
import type { AnnouncementStep, HealthProbe, RollServiceOptions } from '../../src/ports';
import type { RunbookDeps } from '../../src/runbook/engine/context';
import { HandsOnWatcher } from '../../src/runbook/watchers/hands-on';
import { RollbackRunner } from '../../src/runbook/steps/runner';
import { RollbackService } from '../../src/runbook/service';
import { directoryOf, quietLog, RecordingNotifier, unitConfig } from './fakes';
import { CountingTarget } from './sim-env';

export const ENV = 'production';
export const LEASE_MS = 60_000;
/** The incident commanders of the config, and two people who are not. */
export const COMMANDERS = ['U0IC', 'U0IC2'] as const;
export const USERS = ['U0IC', 'U0IC2', 'U0ONCALL', 'U0STRANGER'] as const;
export type User = (typeof USERS)[number];
export const isCommander = (u: string) => (COMMANDERS as readonly string[]).includes(u);

/** How the next Step 3 goes (until arranged otherwise): both services updated, the frontend's update fails, both fail. */
export type Step3 = 'ok' | 'partial' | 'fails';
/**
 * Where the process stops, once (the next time the flow gets there): posting Step 2's announcement (posted, not
 * recorded), Step 3 before Swarm took the update, after it took it (the spec changed, convergence never reported),
 * mixed (the backend done and reported, the frontend's call never answered), or Step 5's announcement.
 */
export type Crash = 'step2' | 'step3-before' | 'step3-after' | 'step3-mixed' | 'step5';

/** A promise that never settles: what a call of a process that is gone looks like to whoever waits on it. */
const never = <T>() => new Promise<T>(() => undefined);

/** Every method call hangs once `dead()` holds: the port as the process that was killed sees it. */
function killable<T extends object>(port: T, dead: () => boolean): T {
  return new Proxy(port, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (dead() ? never() : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

/** Slack as the rollbacks see it: announcements are kept, and found again after a restart (their metadata). */
class ModelNotifier extends RecordingNotifier {
  /** Set by the world: called for every announcement before it is answered (to stop the process there). */
  onAnnounce: (r: Rollback, step: AnnouncementStep) => Promise<void> = async () => undefined;
  private readonly refs = new Map<string, MessageRef>();
  override async announce(r: Rollback, text: string, step: AnnouncementStep) {
    const ref = await super.announce(r, text, step);
    this.refs.set(`${r.id}:${step}`, ref);
    await this.onAnnounce(r, step);
    return ref;
  }
  override async findAnnouncement(r: Rollback, step: AnnouncementStep) {
    return this.refs.get(`${r.id}:${step}`) ?? null;
  }
}

/** What the simulated swarm saw of the bot's own updates. */
export interface BotUpdate {
  rollbackId: string;
  service: string;
  from: string | null;
  to: string;
  changed: boolean;
}

/** The simulated swarm with scripted outcomes; converges at once (no timers), so the test stays fast. */
class ScriptedSwarm extends CountingTarget {
  step3: Step3 = 'ok';
  /** dockerService → how its next update call stops the process (one-shot). */
  crash = new Map<string, 'before' | 'after'>();
  readonly botUpdates: BotUpdate[] = [];
  /** The rollbacks whose Step 3 call never answers in the live process. */
  readonly stuck = new Set<string>();

  constructor(private readonly executing: () => Promise<string>) {
    super(0);
  }

  override async rollServiceTo(name: string, image: string, version: string, _o: RollServiceOptions): Promise<void> {
    const rollbackId = await this.executing();
    this.updates.push({ service: name, version });
    const s = this.services.get(name);
    if (!s) throw new RollbackBotError(ErrorCode.ServiceNotFound, `service ${name} not found`);
    const crash = this.crash.get(name);
    this.crash.delete(name);
    const fails = !crash && (this.step3 === 'fails' || (this.step3 === 'partial' && name === 'demo-frontend'));
    const changes = !fails && crash !== 'before' && s.version !== version;
    this.botUpdates.push({ rollbackId, service: name, from: s.version, to: version, changed: changes });
    if (changes) {
      this.changes.push({ service: name, version });
      this.services.set(name, { image, version, previousVersion: s.version });
    }
    if (crash) {
      this.stuck.add(rollbackId);
      return never();
    }
    if (fails)
      throw new RollbackBotError(ErrorCode.SwarmUpdatePaused, `update of ${name} paused: task failed (simulated)`);
  }
}

interface Process {
  boot: number;
  runner: RollbackRunner;
  service: RollbackService;
  watcher: HandsOnWatcher;
  dead: boolean;
}

export class World {
  readonly store = new MemoryRollbackStore();
  readonly notifier = new ModelNotifier();
  readonly swarm: ScriptedSwarm;
  healthy = true;
  /** The crash points still to come (one-shot each). */
  readonly crashes = new Set<Crash>();
  private now = Date.parse('2026-12-01T10:00:00.000Z');
  readonly clock = { now: () => new Date(this.now) };
  readonly config = unitConfig({}, { limits: { requests: { count: 1000, window_minutes: 1 } } });
  proc!: Process;
  private boots = 0;

  constructor() {
    this.swarm = new ScriptedSwarm(async () => {
      const [r] = await this.store.list({ environment: ENV, statuses: ['executing'], limit: 1 });
      return r?.id ?? '(no rollback executing)';
    });
    this.notifier.onAnnounce = async (r, step) => {
      const at: Crash = step === 'announce' ? 'step2' : 'step5';
      if (!this.crashes.delete(at)) return;
      this.swarm.stuck.add(r.id);
      await never();
    };
  }

  advance(ms: number): void {
    this.now += ms;
  }

  /** Arms a crash point; Step 3's are handed to the swarm (per service). */
  arm(crash: Crash): void {
    if (crash === 'step3-before') for (const s of ['demo-backend', 'demo-frontend']) this.swarm.crash.set(s, 'before');
    else if (crash === 'step3-after')
      for (const s of ['demo-backend', 'demo-frontend']) this.swarm.crash.set(s, 'after');
    else if (crash === 'step3-mixed') this.swarm.crash.set('demo-frontend', 'before');
    else this.crashes.add(crash);
  }

  /** /health: the backend's version, failing when the world is unhealthy. */
  private readonly probe: HealthProbe = {
    probe: async (url): Promise<ProbeObservation> => {
      const version = this.swarm.services.get('demo-backend')?.version;
      return this.healthy
        ? { url, ok: true, attempts: 1, status: 200, version }
        : { url, ok: false, attempts: 1, status: 503, version, error: 'HTTP 503 (simulated)' };
    },
    smokeTest: async (t) => ({ name: t.name, url: t.url, ok: true, expectedStatus: t.expectStatus, status: 200 }),
  };

  /** A new process over the same store and the same outside world (what a restart or a new replica is). */
  async start(): Promise<void> {
    const boot = ++this.boots;
    const proc = { dead: false } as Process;
    const dead = () => proc.dead;
    const store = killable(this.store, dead);
    const deps: RunbookDeps = {
      config: this.config,
      rollbacks: store,
      leases: store,
      reports: store,
      verified: store,
      deploys: store,
      runtime: killable(this.swarm, dead),
      probe: killable(this.probe, dead),
      notifier: killable(this.notifier, dead),
      directory: killable(directoryOf([...COMMANDERS]), dead),
      clock: this.clock,
      log: quietLog,
    };
    // Budgets and lease renewals run on real timers: far apart, so that they never fire within a sequence and a
    // replayed sequence does the same.
    proc.runner = new RollbackRunner(deps, { owner: `model#${boot}`, leaseMs: LEASE_MS, budgetTickMs: 3_600_000 });
    proc.service = new RollbackService(deps, proc.runner);
    proc.watcher = new HandsOnWatcher(deps, {
      settleMs: 3_600_000,
      onStepOneAgain: (id) => void proc.runner.drive(id),
    });
    proc.boot = boot;
    this.proc = proc;
    this.swarm.stuck.clear();
    await proc.watcher.prime();
    await proc.service.resumeOrphans();
    await this.settle();
  }

  /**
   * Kills the process (whatever it waits on never answers) and starts another once its lease has run out; `whileDown`
   * happens in between (nobody watches Docker then).
   */
  async restart(whileDown: () => void = () => undefined): Promise<void> {
    this.proc.dead = true;
    this.proc.watcher.stop();
    whileDown();
    this.advance(LEASE_MS + 1000);
    await this.start();
  }

  /**
   * What the hands-on watcher does once a burst of Docker events settles: reads the services (the bot's own updates
   * included, as the engine reports those too) and acts on what changed without the bot.
   */
  async watch(): Promise<void> {
    await this.proc.watcher.check(ENV);
    await this.settle();
  }

  /**
   * Waits until the live process has done all it can: every rollback it drives waits for a person, ended, or is
   * stuck in a call that never answers.
   */
  async settle(): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.proc.runner.busy <= this.swarm.stuck.size) return;
    }
    throw new Error(`the runner did not settle (${this.proc.runner.busy} drives, ${this.swarm.stuck.size} stuck)`);
  }

  async rollbacks(): Promise<Rollback[]> {
    return this.store.list({ limit: 1000 });
  }
}
