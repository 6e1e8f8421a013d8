/**
 * Hands-on changes noticed: the platform's service events (a `docker service update` or `rollback` by hand, a scale, a
 * pipeline, Swarm's own undo) for the services the config knows. After a short pause to let a burst settle, the
 * environment's services are read; what changed that the bot did not do itself concerns the rollback it happened
 * around:
 * - awaiting approval: what Step 1 found, acknowledged and approved no longer holds — Step 1 runs again (the card says
 *   production changed, and Approve's confirmation too);
 * - Step 3 or 4: interference — the rollback is interrupted with the evidence (what changed, what runs now), and the
 *   step still running stops;
 * - after a rollback whose Step 3 started (completed, failed, interrupted) while deploys are locked: told loudly
 *   (@here in the channel: a pipeline or a person ignored the deploy gate), and kept on that rollback, whose card
 *   says under its header that production changed since (what, when).
 * Every such change is kept in the rollback's timeline (the deployment log): from → to, by what (update, rollback,
 * scale). A flood of events makes one message per environment at most every `minIntervalMs`, summing the changes up.
 */
import { changeWords, type HandsOnChange } from '../../domain/facts';
import type { ServiceVersion } from '../../domain/findings';
import { isTerminal, mayHaveChangedProduction, type Rollback } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import type { ServiceEvent } from '../../ports';
import { nowIso, type RunbookDeps } from '../engine/context';
import { tell } from '../policies/audience';
import { record } from '../engine/record';
import { strategyNamed } from '../strategies';

export interface HandsOnOptions {
  /** How long a burst of events may settle before the services are read. */
  settleMs?: number;
  /** At most one message per environment this often. */
  minIntervalMs?: number;
  /**
   * True for the first replica to claim `key` (one message for an event seen by every replica); default: always.
   */
  claim?: (key: string) => Promise<boolean>;
  /** A change with no rollback around it: an ordinary deploy (the close watch starts). */
  onDeploy?: (environment: string) => void;
  /** A rollback sent back to Step 1 because production changed while it awaited approval: drive it. */
  onStepOneAgain?: (rollbackId: string) => void;
}

/** What the events of a burst said about one service beyond its version. */
interface Said {
  rollback: boolean;
  replicas?: { from: number; to: number };
}

interface EnvState {
  timer?: NodeJS.Timeout;
  nextAt: number;
  lastEvent?: ServiceEvent;
  /** dockerService → what its events said since the last check. */
  said: Map<string, Said>;
}

export class HandsOnWatcher {
  /** dockerService → the version last read. */
  private readonly known = new Map<string, string | null>();
  /** dockerService → its environment (Docker environments only). */
  private readonly environmentOf = new Map<string, string>();
  private readonly state = new Map<string, EnvState>();
  private readonly settleMs: number;
  private readonly minIntervalMs: number;
  private stopped = false;

  constructor(
    private readonly deps: RunbookDeps,
    private readonly opts: HandsOnOptions = {},
  ) {
    this.settleMs = opts.settleMs ?? 2000;
    this.minIntervalMs = opts.minIntervalMs ?? 30_000;
    for (const [name, env] of Object.entries(deps.config.environments))
      if (strategyNamed(env.strategy).needs.includes('runtime'))
        for (const s of env.services) this.environmentOf.set(s.docker_service, name);
  }

  /** Reads what runs now, the baseline the first change is measured from. */
  async prime(): Promise<void> {
    for (const environment of new Set(this.environmentOf.values()))
      await this.read(environment, new Map()).catch(() => null);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.state.values()) clearTimeout(s.timer);
  }

  /** One event from the platform: the environment is read once the burst settles. */
  onEvent(e: ServiceEvent): void {
    const environment = this.environmentOf.get(e.dockerService);
    if (!environment || this.stopped) return;
    const s = this.state.get(environment) ?? { nextAt: 0, said: new Map<string, Said>() };
    this.state.set(environment, s);
    s.lastEvent = e;
    const said = s.said.get(e.dockerService) ?? { rollback: false };
    said.rollback ||= e.rollback === true;
    // A burst of scales: from the first count to the last.
    if (e.replicas) said.replicas = { from: said.replicas?.from ?? e.replicas.from, to: e.replicas.to };
    s.said.set(e.dockerService, said);
    if (s.timer) return;
    const wait = Math.max(this.settleMs, s.nextAt - Date.now());
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void this.check(environment).catch((err: unknown) =>
        this.deps.log.warn({ err, environment }, 'could not check a hands-on change'),
      );
    }, wait);
    s.timer.unref();
  }

  /**
   * The environment's services now, against what was last read (the baseline moves on), with what the events said:
   * a version that changed, or a replica count that did (a scale leaves the version as it was).
   */
  private async read(
    environment: string,
    said: Map<string, Said>,
  ): Promise<{ changes: HandsOnChange[]; now: ServiceVersion[] }> {
    const env = this.deps.config.environments[environment];
    const draft = { environment, strategy: env.strategy } as Rollback;
    const now = await strategyNamed(env.strategy).currentVersions(this.deps, draft, env, { probe: false });
    const changes: HandsOnChange[] = [];
    for (const s of now) {
      if (s.version === null) continue; // not readable now: not evidence of a change
      const before = this.known.get(s.dockerService);
      const told = said.get(s.dockerService);
      const moved = before !== undefined && before !== s.version;
      if (moved || told?.replicas)
        changes.push({
          service: s.service,
          dockerService: s.dockerService,
          from: moved ? (before ?? null) : s.version,
          to: s.version,
          how: told?.rollback ? 'rollback' : moved ? 'update' : 'scale',
          ...(told?.replicas ? { replicas: told.replicas } : {}),
        });
      this.known.set(s.dockerService, s.version);
    }
    return { changes, now };
  }

  async check(environment: string): Promise<boolean> {
    const s = this.state.get(environment);
    const said = s?.said ?? new Map<string, Said>();
    if (s) s.said = new Map();
    const { changes, now } = await this.read(environment, said);
    if (changes.length === 0) return false;
    const [latest] = await this.deps.rollbacks.list({ environment, limit: 5 }).then((l) => l.filter((r) => !r.dryRun));
    const before = new Map((latest?.findings?.services ?? []).map((x) => [x.dockerService, x.version]));
    // The bot's own Step 3 (its events may be read after the rollback completed), and Swarm undoing that update
    // (failure_action: rollback), which Step 3 reports itself as a failed step.
    // A failed or interrupted Step 3 or 4 updated services too: their events may come after it ended.
    const ours = (c: HandsOnChange) =>
      (latest &&
        (['executing', 'verifying', 'completed'].includes(latest.status) || mayHaveChangedProduction(latest)) &&
        c.how === 'update' &&
        c.to === latest.target) ||
      ((latest?.status === 'executing' || (latest?.status === 'failed' && latest.failure?.step === 'execute')) &&
        c.how === 'rollback' &&
        c.to === before.get(c.dockerService));
    const foreign = changes.filter((c) => !ours(c));
    if (foreign.length === 0) return false;
    // Only replica counts changed: recorded and told, but not a deploy — no loud call, no Step 1 again, no interruption
    // (Step 3 waits for whatever count Swarm wants).
    const scaleOnly = foreign.every((c) => c.from === c.to);
    const active = latest && !isTerminal(latest.status) ? latest : null;
    // Deploys are locked after any rollback whose Step 3 started until the mark is cleared: told on its card.
    const locked = active ? null : ((await this.deps.rollbacks.marks(environment))[0] ?? null);
    const gated = scaleOnly ? null : locked;
    const about = active ?? locked;
    this.deps.log.info(
      { environment, changes: foreign, rollbackId: about?.id ?? null },
      'production changed without the bot',
    );
    if (!about && !scaleOnly) this.opts.onDeploy?.(environment);
    if (!about?.card) return false;
    const key = `hands-on:${environment}:${s?.lastEvent?.id ?? foreign.map((c) => `${c.dockerService}=${c.to}`).join(',')}`;
    if (this.opts.claim && !(await this.opts.claim(key))) return false;
    if (s) s.nextAt = Date.now() + this.minIntervalMs;
    const at = nowIso(this.deps.clock);
    // In the rollback's timeline (the deployment log): what changed, from → to, by what. Past the locked gate it is
    // kept on the rollback too, so that its card, drawn with the note below, stops saying what runs now.
    const change = { type: 'HandsOnChange', at, changes: foreign, gated: gated !== null } as const;
    const kept = gated
      ? await record(this.deps, about.id, change, { tell: false }).then(
          (applied) => applied.ok,
          (err: unknown) => {
            this.deps.log.warn({ err, rollbackId: about.id }, 'could not keep a hands-on change on the rollback');
            return false;
          },
        )
      : false;
    if (!kept)
      await this.deps.rollbacks
        .audit(about.id, change)
        .catch((err: unknown) =>
          this.deps.log.warn({ err, rollbackId: about.id }, 'could not record a hands-on change'),
        );
    if (!scaleOnly && (await this.consequence(about, foreign, now, at))) return true;
    // Anything else (Step 1 still reading, the locked gate, a rollback that moved on meanwhile): told under the card.
    const current = (await this.deps.rollbacks.get(about.id).catch(() => null)) ?? about;
    await tell(this.deps, current, {
      type: 'Note',
      at,
      fact: { kind: 'hands_on_change', changes: foreign, during: current.status, gated: gated !== null },
    });
    return true;
  }

  /**
   * What the change means for a rollback awaiting approval (Step 1 again) or in Step 3 or 4 (interrupted), recorded
   * like any transition (the thread and the card say it). False when neither applies or the rollback moved on first.
   */
  private async consequence(r: Rollback, changes: HandsOnChange[], now: ServiceVersion[], at: string) {
    let event: RollbackEvent;
    if (r.status === 'awaiting_approval') event = { type: 'ProductionChanged', at, services: now, changes };
    else if (r.status === 'executing' || r.status === 'verifying')
      event = {
        type: 'RollbackInterrupted',
        at,
        reason: `production changed during ${r.status === 'executing' ? 'Step 3' : 'Step 4'} without the bot: ${changes.map(changeWords).join('; ')}. The bot stopped here rather than work against whoever did it`,
        services: now,
      };
    else return false;
    try {
      const applied = await record(this.deps, r.id, event);
      if (!applied.ok) return false;
    } catch (err) {
      this.deps.log.warn({ err, rollbackId: r.id, event: event.type }, 'could not record a hands-on change');
      return false;
    }
    if (event.type === 'ProductionChanged') this.opts.onStepOneAgain?.(r.id);
    return true;
  }
}
