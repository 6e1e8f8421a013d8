/**
 * Hands-on changes noticed: the platform's service events (a `docker service update` by hand, a pipeline, Swarm's own
 * rollback) for the services the config knows. After a short pause to let a burst settle, the environment's services
 * are read; what changed that the bot did not do itself is told under the card it concerns — the rollback in progress
 * (awaiting approval: its findings are out of date; Step 3 or 4: interference), or, after a completed rollback while
 * deploys are locked, loudly (sent to the channel with @here: a pipeline ignored the deploy gate). A flood of events
 * makes one message per environment at most every `minIntervalMs`, summing the changes up.
 */
import type { HandsOnChange } from '../domain/facts';
import { isTerminal, type Rollback } from '../domain/rollback.machine';
import type { ServiceEvent } from '../ports';
import { nowIso, type RunbookDeps } from './context';
import { STRATEGY } from './strategies';

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
}

interface EnvState {
  timer?: NodeJS.Timeout;
  nextAt: number;
  lastEvent?: ServiceEvent;
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
      if (env.strategy === 'docker') for (const s of env.services) this.environmentOf.set(s.docker_service, name);
  }

  /** Reads what runs now, the baseline the first change is measured from. */
  async prime(): Promise<void> {
    for (const environment of new Set(this.environmentOf.values())) await this.read(environment).catch(() => null);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.state.values()) clearTimeout(s.timer);
  }

  /** One event from the platform: the environment is read once the burst settles. */
  onEvent(e: ServiceEvent): void {
    const environment = this.environmentOf.get(e.dockerService);
    if (!environment || this.stopped) return;
    const s = this.state.get(environment) ?? { nextAt: 0 };
    this.state.set(environment, s);
    s.lastEvent = e;
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

  /** The environment's services now, against what was last read: the changes (the baseline moves on). */
  private async read(environment: string): Promise<HandsOnChange[]> {
    const env = this.deps.config.environments[environment];
    const draft = { environment, strategy: 'docker' } as Rollback;
    const now = await STRATEGY.docker.currentVersions(this.deps, draft, env, { probe: false });
    const changes: HandsOnChange[] = [];
    for (const s of now) {
      if (s.version === null) continue; // not readable now: not evidence of a change
      const before = this.known.get(s.dockerService);
      if (before !== undefined && before !== s.version)
        changes.push({ service: s.service, dockerService: s.dockerService, from: before, to: s.version });
      this.known.set(s.dockerService, s.version);
    }
    return changes;
  }

  async check(environment: string): Promise<boolean> {
    const changes = await this.read(environment);
    if (changes.length === 0) return false;
    const [latest] = await this.deps.rollbacks.list({ environment, limit: 5 }).then((l) => l.filter((r) => !r.dryRun));
    const active = latest && !isTerminal(latest.status) ? latest : null;
    // The bot's own Step 3: every change goes to the rollback's target (the events may be read after it completed).
    if (
      latest &&
      ['executing', 'verifying', 'completed'].includes(latest.status) &&
      changes.every((c) => c.to === latest.target)
    )
      return false;
    const gated = !active && latest?.status === 'completed' && !latest.rootCauseCleared ? latest : null;
    const about = active ?? gated;
    this.deps.log.info({ environment, changes, rollbackId: about?.id ?? null }, 'production changed without the bot');
    if (!about) this.opts.onDeploy?.(environment);
    if (!about?.card) return false;
    const s = this.state.get(environment);
    const key = `hands-on:${environment}:${s?.lastEvent?.id ?? changes.map((c) => `${c.dockerService}=${c.to}`).join(',')}`;
    if (this.opts.claim && !(await this.opts.claim(key))) return false;
    if (s) s.nextAt = Date.now() + this.minIntervalMs;
    const at = nowIso(this.deps.clock);
    // In the rollback's timeline (the deployment log): what changed, from → to; the rollback itself is untouched.
    await this.deps.rollbacks
      .audit(about.id, { type: 'HandsOnChange', at, changes, gated: gated !== null })
      .catch((err: unknown) => this.deps.log.warn({ err, rollbackId: about.id }, 'could not record a hands-on change'));
    await this.deps.notifier.progress(about, {
      type: 'Note',
      at,
      fact: { kind: 'hands_on_change', changes, during: about.status, gated: gated !== null },
    });
    return true;
  }
}
