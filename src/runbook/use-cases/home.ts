/**
 * The Home tab: every environment at a glance, for whoever opens it (what runs, the deploy gate, the rollback in
 * progress, the last three), kept fresh while they may be looking. What to show is decided here; the notifier draws
 * it and sends it (Notifier.publishHome), paced to Slack's limits.
 */
import { environmentNamed } from '../../config/config.schema';
import type { HomeDashboard, HomeEnvironment, HomeRollback, RunningNow } from '../../domain/home';
import { type Rollback, STEPS, TERMINAL_STATUSES } from '../../domain/rollback';
import { describeError } from '../../domain/errors';
import { ENVIRONMENT_PATTERN, MAX_REASON_LENGTH } from '../../domain/names';
import { nowIso } from '../engine/context';
import type { AfterCare } from './after-care';
import { Queries } from './queries';
import { ACTIVE_STATUSES, UseCase, type UseCaseContext, type Outcome } from './use-case';

/** A Home tab opened this long ago may still be on someone's screen: it is redrawn when something changes. */
export const HOME_FRESH_MS = 30 * 60_000;
/** Changes this close together are drawn once (a rollback's steps come in bursts). */
export const HOME_COALESCE_MS = 250;
/** How many finished rollbacks each environment shows. */
export const HOME_RECENT = 3;

interface Viewer {
  openedAt: number;
  page: number;
  notice: string | null;
}

/** The environment's part of the dashboard that is the same for everyone (mayUnlock is the viewer's). */
type Shared = Omit<HomeEnvironment, 'mayUnlock'> & { unlockable: boolean };

const summary = (r: Rollback): HomeRollback => ({
  id: r.id,
  status: r.status,
  dryRun: r.dryRun,
  requestedAt: r.requestedAt,
  endedAt: r.endedAt ?? null,
  card: r.card,
});

/**
 * What a rollback last knew runs: Step 1's versions, then what Step 3 left each service running, then the changes
 * made by hand after it (Docker's events, while its mark kept deploys locked). Null when it never looked.
 */
export function lookOf(r: Rollback): RunningNow | null {
  const running = new Map<string, string | null>();
  let at: string | null = null;
  let source: RunningNow['source'] = 'step1';
  if (r.findings && r.findings.services.length > 0) {
    for (const s of r.findings.services) running.set(s.service, s.version);
    at = r.steps.confirm.endedAt ?? r.steps.confirm.startedAt ?? r.requestedAt;
  }
  if (r.results && r.results.length > 0) {
    for (const x of r.results) running.set(x.service, x.runningVersion);
    at = r.steps.execute.endedAt ?? r.updatedAt;
    source = 'rollback';
  }
  const changes = [...(r.changedSince?.latest ?? [])].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const c of changes) {
    for (const change of c.changes) running.set(change.service, change.to);
    at = c.at;
    source = 'hands_on';
  }
  if (at === null) return null;
  const versions = [...new Set([...running.values()].filter((v): v is string => v !== null))];
  return { versions, at, source, rollbackId: r.id };
}

export class Home extends UseCase {
  private readonly viewers = new Map<string, Viewer>();
  private readonly queries: Queries;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    ctx: UseCaseContext,
    /** `/rollback unlock`'s use case: one authorisation for the command and the Home tab. */
    private readonly afterCare: Pick<AfterCare, 'unlock'>,
    private readonly coalesceMs = HOME_COALESCE_MS,
  ) {
    super(ctx);
    this.queries = new Queries(ctx);
  }

  /** `app_home_opened`: the dashboard for this person, drawn at once; their tab is kept fresh from now on. */
  async opened(userId: string): Promise<void> {
    const viewer = this.viewer(userId);
    viewer.openedAt = this.now();
    await this.publish(userId, viewer, await this.shared(), true);
  }

  /** The page button: another page of environments. */
  async page(userId: string, page: number): Promise<void> {
    const viewer = this.viewer(userId);
    viewer.openedAt = this.now();
    viewer.page = Number.isSafeInteger(page) && page >= 0 ? page : 0;
    await this.publish(userId, viewer, await this.shared(), true);
  }

  /**
   * "Unlock" on the Home tab, with the reason the modal asked for: the same as `/rollback unlock <environment>
   * <reason>` (an incident commander's; the reason goes in the timeline). The outcome is said at the top of the
   * person's Home tab, which is redrawn.
   */
  async unlock(environment: string, userId: string, reason: string): Promise<Outcome> {
    const why = reason.trim();
    let outcome: Outcome;
    if (!ENVIRONMENT_PATTERN.test(environment) || !environmentNamed(this.deps.config, environment))
      outcome = { kind: 'refused', message: `There is no environment \`${environment}\` in the config.` };
    else if (!why)
      outcome = { kind: 'refused', message: 'Say why deploys may go ahead again: it goes in the timeline.' };
    else if (why.length > MAX_REASON_LENGTH)
      outcome = { kind: 'refused', message: `Keep the reason under ${MAX_REASON_LENGTH} characters.` };
    else
      outcome = await this.afterCare.unlock(environment, userId, why).catch((err: unknown): Outcome => ({
        kind: 'refused',
        message: `The unlock did not work: ${describeError(err)}`,
      }));
    const viewer = this.viewer(userId);
    viewer.openedAt = this.now();
    viewer.notice =
      outcome.kind === 'ok'
        ? `Deploys of ${environment} are allowed again: the mark of ${outcome.rollback.id} is cleared.`
        : outcome.message;
    await this.publish(userId, viewer, await this.shared(), true);
    return outcome;
  }

  /**
   * Something shown changed: every Home tab opened in the last HOME_FRESH_MS is redrawn, once for a burst of
   * changes. Never throws (it runs after a commit).
   */
  changed(): void {
    // Nobody has opened a Home tab through this process: nothing to redraw (most bots, most of the time).
    if (this.timer || this.viewers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, this.coalesceMs);
    this.timer.unref();
  }

  /** Redraws the fresh Home tabs now; forgets the stale ones. */
  async refresh(): Promise<number> {
    const now = this.now();
    for (const [id, v] of this.viewers) if (now - v.openedAt > HOME_FRESH_MS) this.viewers.delete(id);
    if (this.viewers.size === 0) return 0;
    try {
      const shared = await this.shared();
      await Promise.all([...this.viewers].map(([id, v]) => this.publish(id, v, shared, false)));
    } catch (err) {
      this.deps.log.warn({ err }, 'could not refresh the Home tabs');
      return 0;
    }
    return this.viewers.size;
  }

  /** The dashboard as `userId` would see it now. */
  async dashboard(userId: string): Promise<HomeDashboard> {
    return this.dashboardFor(
      userId,
      this.viewers.get(userId) ?? { openedAt: 0, page: 0, notice: null },
      await this.shared(),
    );
  }

  /** Who is treated as looking (opened within HOME_FRESH_MS), for tests and metrics. */
  get looking(): string[] {
    const now = this.now();
    return [...this.viewers].filter(([, v]) => now - v.openedAt <= HOME_FRESH_MS).map(([id]) => id);
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private viewer(userId: string): Viewer {
    let v = this.viewers.get(userId);
    if (!v) {
      v = { openedAt: this.now(), page: 0, notice: null };
      this.viewers.set(userId, v);
    }
    return v;
  }

  private async publish(userId: string, viewer: Viewer, shared: Shared[], urgent: boolean): Promise<void> {
    const d = await this.dashboardFor(userId, viewer, shared);
    await this.deps.notifier.publishHome(d, urgent);
  }

  private async dashboardFor(userId: string, viewer: Viewer, shared: Shared[]): Promise<HomeDashboard> {
    const environments = await Promise.all(
      shared.map(async ({ unlockable, ...env }) => ({
        ...env,
        // A failed lookup shows no button: the unlock itself asks again, and says why it cannot.
        mayUnlock: unlockable && (await this.isIc(userId, env.name).catch(() => false)),
      })),
    );
    return { userId, at: nowIso(this.deps.clock), environments, page: viewer.page, notice: viewer.notice };
  }

  /** Every environment's state, the same for every viewer. */
  private shared(): Promise<Shared[]> {
    return Promise.all(Object.keys(this.deps.config.environments).map((name) => this.environment(name)));
  }

  private async environment(name: string): Promise<Shared> {
    const { rollbacks } = this.deps;
    const [gate, latest, recent, active] = await Promise.all([
      this.queries.deployGate(name),
      rollbacks.list({ environment: name, limit: 5 }),
      rollbacks.list({ environment: name, statuses: TERMINAL_STATUSES, limit: HOME_RECENT }),
      rollbacks.list({ environment: name, statuses: ACTIVE_STATUSES, limit: 1 }),
    ]);
    const current = active[0];
    return {
      name,
      running: this.running(name, latest),
      gate:
        !gate || gate.open
          ? { open: true }
          : {
              open: false,
              reason: gate.reason,
              since: gate.since,
              rollbackId: gate.rollback.id,
              card: gate.rollback.card,
            },
      active: current
        ? { ...summary(current), step: STEPS.find((s) => current.steps[s].status === 'running') ?? null }
        : null,
      recent: recent.map(summary),
      unlockable: !!gate && !gate.open && gate.reason !== 'rollback_in_progress',
    };
  }

  /** The newer of the close watch's last look and what the newest rollback that looked saw. */
  private running(name: string, latest: Rollback[]): RunningNow | null {
    const seen = latest.map(lookOf).find((l): l is RunningNow => l !== null) ?? null;
    const watched = this.deps.looks?.last(name) ?? null;
    if (!seen) return watched;
    if (!watched) return seen;
    return Date.parse(watched.at) >= Date.parse(seen.at) ? watched : seen;
  }
}
