import { type BotConfig, type EnvironmentConfig, environmentNamed } from '../../config/config.schema';
import type { Redactor } from '../../domain/redact';
import { type Rollback } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import { type Rejection, transition } from '../../domain/rollback.transitions';
import type { LastLooks } from '../watchers/looks';
import type {
  AlertLog,
  Clock,
  CodeHost,
  ContainerRuntime,
  DeployReports,
  DeploymentHistory,
  Directory,
  HealthProbe,
  Log,
  MetricsSource,
  Notifier,
  Pager,
  Leases,
  Reports,
  RollbackRepository,
  VerifiedVersions,
  ScriptRunner,
  Telemetry,
  TicketTracker,
  WorkflowRunner,
} from '../../ports';

export interface RunbookDeps {
  config: BotConfig;
  /** The rollbacks (lock, compare-and-set, timeline), who drives them, what people report, what was verified. */
  rollbacks: RollbackRepository;
  leases: Leases;
  reports: Reports;
  verified: VerifiedVersions;
  runtime: ContainerRuntime;
  probe: HealthProbe;
  notifier: Notifier;
  directory: Directory;
  clock: Clock;
  log: Log;
  /** The decision criteria's metrics for an environment (Prometheus), when configured. */
  metricsFor?: (environment: string) => MetricsSource | null;
  /** The code host of an environment (GitHub), for the migration guard, when configured. */
  codeHostFor?: (environment: string) => CodeHost | null;
  /** The incident ticket tracker of an environment (GitHub issues), when configured. */
  ticketsFor?: (environment: string) => TicketTracker | null;
  /** Runs deploy scripts (Option A). */
  scripts?: ScriptRunner;
  /** The GitHub Deployments of an environment (`github:`), when configured. */
  deploymentsFor?: (environment: string) => DeploymentHistory | null;
  /** The GitHub Actions workflow of an environment (Option C), when configured. */
  workflowsFor?: (environment: string) => WorkflowRunner | null;
  /** Deploys as CI reports them (the API's intake), when the store keeps them. */
  deploys?: DeployReports;
  /** Alertmanager's alerts and what the bot did with each, when the store keeps them. */
  alerts?: AlertLog;
  /** The operator's monitoring (Prometheus metrics), when wired. */
  telemetry?: Telemetry;
  /** PagerDuty, when a routing key is configured. */
  pager?: Pager | null;
  /** Takes secrets out of text bound for outside systems (tickets, pages, exports). */
  redactor?: Redactor;
  /** Aborted when the lease this step runs under is lost: long waits (a Swarm update) stop early. */
  signal?: AbortSignal;
  /**
   * What the config asks for once a rollback moves (the automatic incident ticket when an approved one ends); run by
   * record() after every stored event. Wired by the composition root.
   */
  afterCare?: (rollback: Rollback) => Promise<void>;
  /** The close watch's latest looks (what runs now, for the Home tab), when kept. */
  looks?: LastLooks;
  /**
   * Something the Home tab shows changed in `environment` (a stored event, a close-watch look that saw something
   * new): the Home tabs open now are redrawn. Wired by the composition root; must not throw.
   */
  changed?: (environment: string) => void;
}

export const nowIso = (clock: Clock): string => clock.now().toISOString();

export function environmentOf(config: BotConfig, rollback: Rollback): EnvironmentConfig {
  const env = environmentNamed(config, rollback.environment);
  // The environment was validated when the rollback was requested; a config reload that removed it is a
  // misconfiguration to be surfaced, not papered over.
  if (!env) throw new Error(`environment "${rollback.environment}" is no longer in the config`);
  return env;
}

export type Applied =
  /** `previous`: the state the event was applied to. */
  | { ok: true; rollback: Rollback; previous: Rollback }
  | { ok: false; rejection: Rejection | { code: 'NOT_FOUND' | 'CONFLICT'; message: string } };

/**
 * Runs `event` through the state machine and persists the result with compare-and-set. A lost race (another
 * click, another replica) re-reads and tries again, so the loser sees the winner's state and gets a rejection.
 */
export async function applyEvent(rollbacks: RollbackRepository, id: string, event: RollbackEvent): Promise<Applied> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await rollbacks.get(id);
    if (!current) return { ok: false, rejection: { code: 'NOT_FOUND', message: `no rollback ${id}` } };
    const result = transition(current, event);
    if (!result.ok) return result;
    const saved = await rollbacks.save(current.version, result.state, event);
    if (saved) return { ok: true, rollback: saved, previous: current };
  }
  return { ok: false, rejection: { code: 'CONFLICT', message: `rollback ${id} kept changing under us` } };
}
