/**
 * Alerts propose the rollback: Alertmanager's alerts (POST /api/v1/alerts) for an environment, weighed against the
 * last deploy. A firing alert soon after a deploy (`alerts.deploy_window_ms`) is the strongest rollback signal there
 * is: the bot proposes rolling back to the version before it, the card waiting for an incident commander's Approve
 * like any proposal of the close watch. While a card or rollback is under way the alert is evidence in its thread;
 * otherwise it is kept (`/rollback status`), without a message.
 *
 * Every "once" is a conditional write in the store (AlertLog), so Alertmanager's retries, its repeats and a second
 * replica do nothing twice: at most one proposal per environment and fingerprint, one line per card.
 */
import { type EnvironmentConfig, environmentNamed } from '../../config/config.schema';
import type { AlertFact } from '../../domain/facts';
import { BOT_REQUESTER, isTerminal, mayHaveChangedProduction, type Rollback } from '../../domain/rollback';
import type { AlertLog, AlertRecord, AlertStatus } from '../../ports';
import { nowIso, type RunbookDeps } from '../engine/context';
import { tell } from '../policies/audience';
import { agreed } from '../steps/1-confirm';
import type { Outcome, RollbackRequest } from '../use-cases/use-case';

/** One alert as Alertmanager sends it (webhook payload version 4), already checked for shape by the API. */
export interface IncomingAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorURL?: string;
  fingerprint: string;
}

/** What the bot did with one alert. */
export type AlertOutcome =
  | 'proposed'
  /** A line in the thread of the card under way. */
  | 'noted'
  /** Kept: no deploy within the window, or a proposal was cancelled lately (shown in /rollback status). */
  | 'kept'
  /** Already acted on: a retry, a repeat, another replica. */
  | 'duplicate'
  /** Resolved: a line under the card it touched, when it touched one. */
  | 'resolved';

/** A deploy the bot knows of: from CI's reports or from the platform (Docker's service spec). */
export interface KnownDeploy {
  at: number;
  version: string | null;
  /** What ran before it, when every part agrees on one version. */
  before: string | null;
  source: 'ci' | 'docker';
}

/** Prometheus and the bot's clocks may differ a little: an alert starting this much before the deploy still counts. */
const CLOCK_SKEW_MS = 60_000;

export class AlertWatcher {
  /** Per environment, the alerts are weighed one after another (a batch often holds several for one). */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: RunbookDeps,
    private readonly propose: (req: RollbackRequest) => Promise<Outcome>,
  ) {}

  /** The environment an alert is about: its label names a configured one, and every matcher of that one holds. */
  environmentOf(labels: Record<string, string>): string | null {
    const name = labels[this.deps.config.alerts.environment_label];
    const env = name === undefined ? undefined : environmentNamed(this.deps.config, name);
    if (!name || !env) return null;
    return Object.entries(env.alerts.match).every(([k, v]) => labels[k] === v) ? name : null;
  }

  /**
   * Keeps each alert that is about an environment (awaited: once this resolves, a restart loses nothing Alertmanager
   * was told was accepted), then weighs them; `decided` settles when every one is decided, and never rejects.
   */
  async receive(alerts: IncomingAlert[]): Promise<{
    accepted: number;
    ignored: number;
    decided: Promise<AlertOutcome[]>;
  }> {
    const log = this.deps.alerts;
    if (!log) throw new Error('this store does not keep alerts');
    const mine: Array<{ environment: string; record: AlertRecord }> = [];
    for (const a of alerts) {
      const environment = this.environmentOf(a.labels);
      if (!environment) continue;
      const url = a.generatorURL ?? '';
      const record = await log.recordAlert({
        environment,
        fingerprint: a.fingerprint,
        name: cut(a.labels.alertname ?? 'unnamed alert', 200),
        severity: a.labels.severity ? cut(a.labels.severity, 64) : null,
        summary:
          (a.annotations.summary ?? a.annotations.description)
            ? cut(a.annotations.summary ?? a.annotations.description, 1000)
            : null,
        startsAt: a.startsAt,
        // A link too long to be one is left out rather than cut (a cut link leads nowhere).
        generatorUrl: url && url.length <= 2000 ? url : null,
        status: a.status,
        at: nowIso(this.deps.clock),
      });
      mine.push({ environment, record: { ...record, status: a.status } });
    }
    const decided = Promise.all(
      mine.map(({ environment, record }) => {
        const previous = this.chains.get(environment) ?? Promise.resolve();
        const next = previous.then(() => this.decide(log, environment, record));
        this.chains.set(environment, next);
        void next.finally(() => {
          if (this.chains.get(environment) === next) this.chains.delete(environment);
        });
        return next;
      }),
    );
    return { accepted: mine.length, ignored: alerts.length - mine.length, decided };
  }

  private async decide(log: AlertLog, environment: string, alert: AlertRecord): Promise<AlertOutcome> {
    const logger = this.deps.log.child({ env: environment, alert: alert.name, fingerprint: alert.fingerprint });
    try {
      const outcome =
        alert.status === 'resolved'
          ? await this.resolved(log, environment, alert)
          : await this.firing(log, environment, alert);
      logger.info({ outcome }, 'alert weighed');
      return outcome;
    } catch (err) {
      logger.warn({ err }, 'could not act on an alert; it is kept');
      return 'kept';
    }
  }

  private async firing(log: AlertLog, environment: string, alert: AlertRecord): Promise<AlertOutcome> {
    const env = environmentNamed(this.deps.config, environment) as EnvironmentConfig;
    const [latest] = await this.deps.rollbacks.list({ environment, limit: 1 });
    if (latest && !isTerminal(latest.status)) return this.evidence(log, latest, alert);

    const deploy = await this.lastDeploy(environment, env, latest);
    const now = this.deps.clock.now().getTime();
    const fired = Math.min(Date.parse(alert.startsAt), now);
    if (!deploy || fired < deploy.at - CLOCK_SKEW_MS || fired - deploy.at > this.deps.config.alerts.deploy_window_ms)
      return 'kept';
    // The close watch's rule: an incident commander said no to the bot lately; it does not ask again so soon.
    if (
      latest?.requestedBy === BOT_REQUESTER &&
      latest.status === 'cancelled' &&
      now - Date.parse(latest.endedAt ?? latest.updatedAt) < env.watch_backoff_ms
    )
      return 'kept';
    if (!(await log.claimProposal(environment, alert.fingerprint, nowIso(this.deps.clock)))) return 'duplicate';

    const after = Math.max(0, Math.round((fired - deploy.at) / 60_000));
    const outcome = await this.propose({
      environment,
      target: deploy.before,
      reason: `Alert ${alert.name}${alert.severity ? ` (${alert.severity})` : ''} firing ${after} min after the deploy of ${deploy.version ?? 'a new version'}${alert.summary ? `: ${alert.summary}` : ''}`,
      userId: BOT_REQUESTER,
      channelId: env.channel,
    });
    const rollback = outcome.kind === 'ok' ? outcome.rollback : outcome.kind === 'refused' ? outcome.rollback : null;
    if (!rollback) {
      this.deps.log.warn({ env: environment, outcome }, 'the alert’s proposal was not made; the alert is kept');
      return 'kept';
    }
    // Refused: another card took the environment meanwhile (a person, another replica): evidence there instead.
    if (outcome.kind !== 'ok') return this.evidence(log, rollback, alert, true);
    await log.tieToRollback(environment, alert.fingerprint, rollback.id);
    await tell(this.deps, rollback, {
      type: 'Note',
      at: nowIso(this.deps.clock),
      fact: { kind: 'alert_firing', alert: factOf(alert), proposed: true },
    });
    return 'proposed';
  }

  /** One line in the thread of the card under way, once per alert and card. */
  private async evidence(log: AlertLog, r: Rollback, alert: AlertRecord, claimed = false): Promise<AlertOutcome> {
    // This alert's own proposal (made by this replica or another, maybe still being posted) tells it there.
    if (!claimed && alert.proposedAt !== null && (alert.rollbackId === null || alert.rollbackId === r.id))
      return 'duplicate';
    if (!(await log.tieToRollback(r.environment, alert.fingerprint, r.id))) return 'duplicate';
    await tell(this.deps, r, {
      type: 'Note',
      at: nowIso(this.deps.clock),
      fact: { kind: 'alert_firing', alert: factOf(alert), proposed: false },
    });
    return 'noted';
  }

  private async resolved(log: AlertLog, environment: string, alert: AlertRecord): Promise<AlertOutcome> {
    const at = nowIso(this.deps.clock);
    const { first, rollbackId } = await log.resolveAlert(environment, alert.fingerprint, at);
    if (!first) return 'duplicate';
    const r = rollbackId ? await this.deps.rollbacks.get(rollbackId) : null;
    if (r)
      await tell(this.deps, r, {
        type: 'Note',
        at,
        fact: { kind: 'alert_resolved', alert: factOf(alert), resolvedAt: at },
      });
    return 'resolved';
  }

  /**
   * The newest deploy the bot knows of: CI's newest accepted report, or a service whose image Swarm last changed (its
   * spec and previous spec differ). One older than the end of a rollback that changed production is not counted: the
   * rollback dealt with it (and its own change of the services is no deploy).
   */
  async lastDeploy(environment: string, env: EnvironmentConfig, latest?: Rollback): Promise<KnownDeploy | null> {
    const found: KnownDeploy[] = [];
    const reports = this.deps.deploys
      ? (await this.deps.deploys.deploys(environment, 20)).filter((d) => d.accepted)
      : [];
    if (reports[0]) {
      const newest = reports[0];
      found.push({
        at: Date.parse(newest.at),
        version: newest.version,
        before: reports.find((d) => d.version !== newest.version)?.version ?? null,
        source: 'ci',
      });
    }
    const services = await Promise.all(
      env.services.map((s) => this.deps.runtime.inspectService(s.docker_service).catch(() => null)),
    );
    const changed = services.filter(
      (s) => s?.updatedAt && s.version && s.previousVersion && s.version !== s.previousVersion,
    );
    if (changed.length > 0)
      found.push({
        at: Math.max(...changed.map((s) => Date.parse(s?.updatedAt ?? ''))),
        version: agreed(changed.map((s) => s?.version ?? null)).value,
        before: agreed(changed.map((s) => s?.previousVersion ?? null)).value,
        source: 'docker',
      });
    const newest = found.filter((d) => Number.isFinite(d.at)).sort((a, b) => b.at - a.at)[0];
    if (!newest) return null;
    if (latest && mayHaveChangedProduction(latest) && newest.at <= Date.parse(latest.endedAt ?? latest.updatedAt))
      return null;
    return newest;
  }
}

/** The monitoring's text, bounded: a label or an annotation can be kilobytes long. */
const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const factOf = (a: AlertRecord): AlertFact => ({
  name: a.name,
  severity: a.severity,
  summary: a.summary,
  startsAt: a.startsAt,
  generatorUrl: a.generatorUrl,
});
