/**
 * Alerts Alertmanager sent about an environment, kept so that every replica, and the bot after a restart, knows which
 * ones it already acted on: at most one proposal per environment and fingerprint, one thread line per card, one line
 * when it resolves. Each "once" is a single conditional write, so a retry or a second replica finds it taken.
 */
export type AlertStatus = 'firing' | 'resolved';

/** What Alertmanager says of an alert (its fields the bot shows), for one environment. */
export interface AlertSeen {
  environment: string;
  fingerprint: string;
  /** `alertname`. */
  name: string;
  severity: string | null;
  summary: string | null;
  startsAt: string;
  generatorUrl: string | null;
  status: AlertStatus;
  /** When the bot heard it (its clock). */
  at: string;
}

export interface AlertRecord extends Omit<AlertSeen, 'at'> {
  /** When the bot last heard of it. */
  receivedAt: string;
  /** The card it touched last: the rollback it proposed, or the one whose thread it was told in. */
  rollbackId: string | null;
  /** When it claimed its proposal (null: it never did). */
  proposedAt: string | null;
  resolvedAt: string | null;
}

export interface AlertLog {
  /**
   * Keeps what Alertmanager says now (name, severity, summary, since, link). A firing one is firing again (a resolved
   * alert can fire anew); a resolved one leaves the status to resolveAlert. The bot's own fields are kept.
   */
  recordAlert(alert: AlertSeen): Promise<AlertRecord>;
  /** The one proposal of this alert in this environment: false when it was claimed before (a retry, a replica). */
  claimProposal(environment: string, fingerprint: string, at: string): Promise<boolean>;
  /** Ties the alert to a rollback's card: false when it already was tied to that one (its line is there). */
  tieToRollback(environment: string, fingerprint: string, rollbackId: string): Promise<boolean>;
  /**
   * Firing → resolved, once: `first` for the one caller that made the change, with the card it had touched (if any).
   */
  resolveAlert(
    environment: string,
    fingerprint: string,
    at: string,
  ): Promise<{ first: boolean; rollbackId: string | null }>;
  /** Alerts firing now, newest first (at most `limit`). */
  firingAlerts(limit: number): Promise<AlertRecord[]>;
}
