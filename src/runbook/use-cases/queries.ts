/**
 * What people can read: status, the deployment log (history) and a rollback's timeline — the last two for the
 * incident team only.
 */
import { environmentNamed } from '../../config/config.schema';
import { type AlertRecord, instancePrefix } from '../../ports';
import { isTerminal, type Rollback, TERMINAL_STATUSES } from '../../domain/rollback';
import { markdownTimeline, peopleIn } from '../reports/timeline';
import { ACTIVE_STATUSES, UseCase, type Viewer } from './use-case';

/** The deploy gate of an environment, as the API answers it. */
export type DeployGate =
  | { environment: string; open: true }
  | {
      environment: string;
      open: false;
      /**
       * A rollback in progress; the environment was rolled back (its newest marking rollback completed); or a rollback
       * failed, was interrupted or its outcome was unknown after Step 3 had started: production may be partly changed.
       */
      reason: 'rollback_in_progress' | 'rolled_back' | 'rollback_failed';
      since: string;
      rollback: Rollback;
      clear: { who: string; how: string[]; incident_commanders: string[]; incident_commander_groups: string[] };
    };

export class Queries extends UseCase {
  /**
   * Who may read an environment's story (reasons, evidence, who did what): anyone in its incident channel, and its
   * incident commanders anywhere.
   */
  private async mayRead(environment: string, viewer: Viewer): Promise<boolean> {
    const env = environmentNamed(this.deps.config, environment);
    if (env && viewer.channelId === env.channel) return true;
    return this.isIc(viewer.userId, environment).catch(() => false);
  }

  /** The deployment log: finished rollbacks, newest first, of the environments the viewer may read. */
  async history(environment: string | null, viewer: Viewer, limit = 20): Promise<Rollback[]> {
    const names = environment === null ? Object.keys(this.deps.config.environments) : [environment];
    const readable = (await Promise.all(names.map(async (n) => ((await this.mayRead(n, viewer)) ? n : null)))).filter(
      (n): n is string => n !== null,
    );
    if (readable.length === 0) return [];
    const all = await this.deps.rollbacks.list({
      statuses: TERMINAL_STATUSES,
      environment: environment ?? undefined,
      limit: environment === null ? limit * 4 : limit,
    });
    return all.filter((r) => readable.includes(r.environment)).slice(0, limit);
  }

  async timeline(
    id: string,
    viewer: Viewer,
  ): Promise<{ kind: 'ok'; markdown: string } | { kind: 'refused'; message: string }> {
    const rollback = await this.deps.rollbacks.get(id);
    if (!rollback) return { kind: 'refused', message: `There is no rollback \`${id}\`.` };
    if (!(await this.mayRead(rollback.environment, viewer))) {
      return {
        kind: 'refused',
        message: `The timeline of ${id} is for the incident team: ask in the incident channel of ${rollback.environment}, or ask an incident commander.`,
      };
    }
    const entries = await this.deps.rollbacks.timeline(id);
    const names = await this.deps.directory
      .displayNames(peopleIn(rollback, entries))
      .catch(() => new Map<string, string>());
    const markdown = markdownTimeline(rollback, entries, names);
    return { kind: 'ok', markdown: this.deps.redactor ? this.deps.redactor.text(markdown) : markdown };
  }

  /**
   * Whether deploys of `environment` may go ahead: not while a rollback is in progress (dry runs aside), nor after one
   * whose Step 3 started — completed, failed, interrupted — until an incident commander clears the mark. Null for an
   * environment the config does not know.
   */
  async deployGate(environment: string): Promise<DeployGate | null> {
    const env = environmentNamed(this.deps.config, environment);
    if (!env) return null;
    const active = (await this.deps.rollbacks.list({ environment, statuses: ACTIVE_STATUSES, limit: 5 })).find(
      (r) => !r.dryRun,
    );
    const commanders = env.incident_commanders ?? this.deps.config.roles.incident_commanders;
    const clear = {
      who: 'an incident commander',
      incident_commanders: commanders.users,
      incident_commander_groups: commanders.usergroups,
    };
    if (active)
      return {
        environment,
        open: false,
        reason: 'rollback_in_progress',
        since: active.requestedAt,
        rollback: active,
        clear: { ...clear, how: ['let the rollback finish (or cancel it), then clear its mark'] },
      };
    const [last] = await this.deps.rollbacks.marks(environment);
    if (!last) return { environment, open: true };
    const completed = last.status === 'completed';
    return {
      environment,
      open: false,
      reason: completed ? 'rolled_back' : 'rollback_failed',
      since: last.endedAt ?? last.updatedAt,
      rollback: last,
      clear: {
        ...clear,
        how: [
          ...(completed ? [] : ['bring every service to one known, working version (the card says what runs)']),
          'press "Root cause investigated: clear the mark" on the card',
          `\`/rollback unlock ${environment} [reason]\` in Slack`,
        ],
      },
    };
  }

  async status(recentLimit = 5): Promise<{
    active: Rollback[];
    recent: Rollback[];
    marked: Rollback[];
    drivers: Map<string, string>;
    alerts?: AlertRecord[];
  }> {
    // An environment stays marked after any rollback whose Step 3 started, until an incident commander clears it;
    // one still in progress is listed as such.
    const lasts = await Promise.all(
      Object.keys(this.deps.config.environments).map(async (environment) =>
        (await this.deps.rollbacks.marks(environment)).find((r) => isTerminal(r.status)),
      ),
    );
    const marked = lasts.filter((last): last is Rollback => last !== undefined);
    const active = await this.deps.rollbacks.list({ statuses: ACTIVE_STATUSES, limit: 50 });
    // Which replica drives each (its instance id: the owner's part before `#<boot>`).
    const leases = await this.deps.leases.holders(
      active.map((r) => r.id),
      this.deps.clock.now().getTime(),
    );
    const drivers = new Map([...leases].map(([id, owner]) => [id, instancePrefix(owner)?.slice(0, -1) ?? owner]));
    return {
      active,
      recent: await this.deps.rollbacks.list({ statuses: TERMINAL_STATUSES, limit: recentLimit }),
      marked,
      drivers,
      // Alertmanager's alerts firing now: those that proposed nothing are only shown here.
      ...(this.deps.alerts ? { alerts: await this.deps.alerts.firingAlerts(STATUS_ALERTS) } : {}),
    };
  }
}

/** Alerts firing now that /rollback status lists. */
const STATUS_ALERTS = 10;
