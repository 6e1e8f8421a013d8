/**
 * What the runbook tells the channel besides state changes, as typed facts. The runbook says what happened; slack/blocks
 * words it (and escapes the outside text in it). No Slack markup is written here.
 */
import type { Status } from './rollback';

/** A GitHub Actions run, as the thread links it. */
export interface RunRef {
  id: number;
  url: string;
}

/** What a hands-on change was, as the platform reported it. */
export type HandsOnKind = 'update' | 'rollback' | 'scale';

/**
 * One service changed by someone else: from → to (null: not a tagged image, or not readable; equal when only the
 * replica count changed), by what (absent in changes recorded before it was kept), and the replica count when it
 * changed.
 */
export interface HandsOnChange {
  service: string;
  dockerService: string;
  from: string | null;
  to: string | null;
  how?: HandsOnKind;
  replicas?: { from: number; to: number };
}

/** By what, in words: "by an update", "by a rollback (docker service rollback or Swarm's own)", "by a scale". */
export function howWords(c: HandsOnChange): string {
  if (c.how === 'rollback') return 'by a rollback (`docker service rollback`, or Swarm undoing an update)';
  if (c.how === 'scale') return 'by a scale';
  return c.how === 'update' ? 'by an update' : '';
}

/** One change in plain words: "backend v2 → v9 (by an update)", "backend scaled 2 → 5 replicas (v2)". */
export function changeWords(c: HandsOnChange): string {
  const how = howWords(c);
  const what =
    c.from === c.to && c.replicas
      ? `${c.service} scaled ${c.replicas.from} → ${c.replicas.to} replicas (${c.to ?? 'unknown'})`
      : `${c.service} ${c.from ?? 'unknown'} → ${c.to ?? 'unknown'}${c.replicas ? `, ${c.replicas.from} → ${c.replicas.to} replicas` : ''}`;
  return how && c.how !== 'scale' ? `${what} (${how})` : what;
}

/** An alert from the team's monitoring (Alertmanager), as the thread shows it: every text in it is outside text. */
export interface AlertFact {
  name: string;
  severity: string | null;
  summary: string | null;
  /** Firing since. */
  startsAt: string;
  /** Where it comes from (Prometheus's graph of its expression), when it says. */
  generatorUrl: string | null;
}

export type Fact =
  /** A replica or restart took over a rollback nobody was driving. */
  | { kind: 'resuming'; from: Status }
  | { kind: 'ticket_opened'; url: string }
  | { kind: 'on_call_paged' }
  | { kind: 'page_resolved' }
  | { kind: 'paging_failed'; error: string }
  /** GitHub could not be told of the rollback (its GitHub Deployment): the rollback goes on regardless. */
  | { kind: 'github_untold'; what: string; error: string }
  /** GitHub does not answer about a run the bot follows; it keeps following it. */
  | { kind: 'run_unreachable'; run: RunRef; error: string }
  | { kind: 'run_status'; run: RunRef; status: string }
  /** A workflow dispatch got no clear answer (5xx, timeout): the bot looks for a run it may have started. */
  | { kind: 'dispatch_unclear'; error: string }
  /** A step's result could not be stored (the database did not answer): the rollback stops here until resumed. */
  | { kind: 'not_persisted'; event: string; error: string }
  /**
   * Production changed without the bot (a `docker service update` by hand, a pipeline), noticed from the engine's
   * events: while this rollback was `during`, or after it while deploys are locked (`gated`).
   */
  | { kind: 'hands_on_change'; changes: HandsOnChange[]; during: Status; gated: boolean }
  /** CI reported a deploy while deploys are locked after this rollback (the API refused it with 423). */
  | { kind: 'deploy_refused'; version: string; caller: string; actor: string | null; url: string | null }
  /**
   * An alert fired for this rollback's environment: the evidence of the bot's proposal (`proposed`), or told in the
   * thread of a card already there.
   */
  | { kind: 'alert_firing'; alert: AlertFact; proposed: boolean }
  /** An alert this card was told of (or proposed from) stopped firing. */
  | { kind: 'alert_resolved'; alert: AlertFact; resolvedAt: string }
  /** The newest lines of the deploy script's output; `skipped` earlier lines are only in `outputFile`. */
  | { kind: 'script_output'; lines: string[]; skipped: number; outputFile: string };

/** Messages Slack posts later in the rollback's channel. */
export type Reminder =
  /** The runbook's post-mortem window (24–48 h after the rollback); `by` scheduled it. */
  | { kind: 'post_mortem'; rollbackId: string; environment: string; hours: number; by: string }
  /** "RCA will be conducted within 24 hours": an hour before that is due. */
  | { kind: 'rca_due'; rollbackId: string; environment: string; due: string };
