import type { Fact, Reminder } from '../domain/facts';
import type { HomeDashboard } from '../domain/home';
import type { MessageRef, Rollback } from '../domain/rollback';
import type { RollbackEvent } from '../domain/rollback.events';

export interface Notifier {
  /** Posts the rollback card in its channel; returns where it is so it can be updated. */
  postCard(rollback: Rollback): Promise<MessageRef>;
  /**
   * Tells the channel what `event` did to the rollback: re-renders the card and posts a threaded update that mentions
   * `audience` (and tells the platform team's channel when the audience says so).
   * Best effort: a failure here is logged by the adapter, never thrown, so Slack trouble cannot stop a rollback.
   */
  progress(rollback: Rollback, event: RollbackEvent | ProgressNote, audience: Audience): Promise<void>;
  /**
   * An announcement in the channel, visible to everyone: the runbook's template as plain text beginning with
   * `@channel`, which is the one mention it makes. Marked so that findAnnouncement can find it. Throws when it cannot.
   */
  announce(rollback: Rollback, text: string, step: AnnouncementStep): Promise<MessageRef>;
  /**
   * Whether the announcement of `step` was posted (since `since`): asked after a restart, because the bot may have
   * died between posting it and recording it. Throws when the channel cannot be read.
   */
  findAnnouncement(rollback: Rollback, step: AnnouncementStep, since: Date): Promise<MessageRef | null>;
  /** A message Slack posts later in the channel (chat.scheduleMessage): post-mortem and RCA reminders. */
  schedule(channel: string, reminder: Reminder, postAt: Date, audience: Audience): Promise<void>;
  /** Posts the live checklist in the card's thread; `progress` keeps it up to date afterwards. */
  postChecklist(rollback: Rollback): Promise<MessageRef>;
  /** "Evaluate, likely rollback": enough users reported problems; offers a button that opens a rollback request. */
  reportsAlert(alert: {
    environment: string;
    channel: string;
    reporters: string[];
    reports: string[];
    windowMinutes: number;
    audience: Audience;
  }): Promise<void>;
  /**
   * Draws the Home tab of `home.userId` (views.publish). `urgent`: they just opened or clicked it. Best effort, like
   * progress: a failure is logged by the adapter, never thrown; a newer dashboard replaces one still waiting its turn.
   */
  publishHome(home: HomeDashboard, urgent: boolean): Promise<void>;
}

/** A team the config names under `roles`, mentioned as configured (the incident commanders as the environment names them). */
export type Team = 'incident_commanders' | 'on_call' | 'dba' | 'platform_team';

/**
 * Who hears of what the bot says, as the runbook's escalation rules chose it (runbook/policies/audience.ts): a notifier only
 * writes these mentions, it never decides them.
 */
export interface Audience {
  /** The teams mentioned. */
  teams: readonly Team[];
  /** The requester, mentioned by Slack user id; absent when they are not to be mentioned (or are not a person). */
  requester?: string;
  /** Whoever did the thing told (e.g. scheduled the post-mortem), mentioned by Slack user id. */
  actor?: string;
  /** Whether the platform team's channel hears of it too ("Platform team: #platform-team — infrastructure issues"). */
  platformChannel?: boolean;
}

export type AnnouncementStep = 'announce' | 'complete';

/** Something worth a threaded line that is not a state change (e.g. "resuming after a restart"), as a typed fact. */
export interface ProgressNote {
  type: 'Note';
  at: string;
  fact: Fact;
}
