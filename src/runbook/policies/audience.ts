/**
 * The runbook's escalation rules: who is mentioned for what the bot says, and when the platform team's channel hears
 * of it. The decision is here, passed to the notifier as data (an Audience); the Slack adapter only writes the
 * mentions of the roles chosen.
 *
 * "Escalation Contacts: On-call engineer …, Incident commander …, Platform team: #platform-team Slack — infrastructure
 * issues, Database admin … — for DB rollbacks."
 */
import type { Reminder } from '../../domain/facts';
import type { Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import type { Audience, ProgressNote, Team } from '../../ports';
import type { RunbookDeps } from '../engine/context';

/** Who can be mentioned. `requester` is whoever asked for the rollback; `actor` whoever did the thing told. */
export type Role = 'requester' | 'actor' | Team;

/** Errors of the deployment tooling or the infrastructure under it: the platform team's to look at. */
export const TOOLING_CODES: readonly string[] = [
  'DOCKER_UNREACHABLE',
  'IMAGE_PULL_FAILED',
  'SERVICE_UPDATE_FAILED',
  'SWARM_UPDATE_PAUSED',
  'SWARM_ROLLED_BACK',
  'SCRIPT_NOT_RUNNABLE',
  'WORKFLOW_RATE_LIMITED',
];

/** Errors in what the requester asked for (a version nobody can pull): theirs to fix, nobody is paged. */
export const USER_ERROR_CODES: readonly string[] = ['TARGET_UNAVAILABLE', 'VERSION_INVALID'];

const codeOf = (event: RollbackEvent | ProgressNote): string | undefined =>
  event.type === 'ConfirmationFailed' || event.type === 'ExecutionFailed' ? event.code : undefined;

export function isToolingFailure(event: RollbackEvent | ProgressNote): boolean {
  const code = codeOf(event);
  return code !== undefined && TOOLING_CODES.includes(code);
}

export function isUserError(event: RollbackEvent | ProgressNote): boolean {
  const code = codeOf(event);
  return code !== undefined && USER_ERROR_CODES.includes(code);
}

/** A Slack user (not a bot or an alerting integration asking on its own). */
export const isSlackUser = (id: string): boolean => id.startsWith('U') || id.startsWith('W');

const ESCALATE: Role[] = ['incident_commanders', 'on_call'];

/** Who the threaded line about `event` mentions. A dry run can never be approved: it asks no one for anything. */
export function mentionedFor(r: Rollback, event: RollbackEvent | ProgressNote): Role[] {
  // A typo in the version is the requester's to fix: only they hear of it.
  if (event.type === 'ConfirmationFailed' && isUserError(event)) return isSlackUser(r.requestedBy) ? ['requester'] : [];
  if (r.dryRun) return [];
  switch (event.type) {
    case 'IssueConfirmed': {
      const migrations = event.findings.migrations && event.findings.migrations.verdict !== 'none';
      return ['on_call', 'incident_commanders', ...(migrations ? (['dba'] as const) : [])];
    }
    case 'ConfirmationFailed':
    case 'ExecutionFailed':
      return [...ESCALATE, ...(isToolingFailure(event) ? (['platform_team'] as const) : [])];
    case 'StepOverran':
      // Over budget: the incident commander decides; twice over: on-call is paged too.
      return event.factor >= 2 ? ESCALATE : ['incident_commanders'];
    case 'ProductionChanged':
      // Noticed from the platform's events (nobody pressed anything): the people in charge must look again.
      return event.by ? [] : ['incident_commanders', 'on_call'];
    case 'RollbackInterrupted':
    case 'OutcomeUnknown':
    case 'VerificationFailed':
      return ESCALATE;
    case 'AnnouncementFailed':
      // Nothing was changed yet, so people must act; a failed resolution message is only to be posted by hand.
      return event.step === 'announce' ? ESCALATE : [];
    case 'ApprovalRecorded':
    case 'ResolutionAnnounced':
      return ['incident_commanders'];
    case 'Note':
      // Someone changed production under a rollback, or deployed while deploys are locked: the people in charge.
      return event.fact.kind === 'hands_on_change' ? ['incident_commanders', 'on_call'] : [];
    default:
      return [];
  }
}

/** "Platform team: #platform-team Slack — infrastructure issues": a failure of the tooling is told in their channel. */
export const tellsPlatformChannel = (event: RollbackEvent | ProgressNote): boolean => isToolingFailure(event);

/** "Evaluate, likely rollback": enough users reported problems. */
export const REPORTS_ALERT_MENTIONS: Role[] = ['on_call', 'incident_commanders'];

/** The reminders go to the environment's incident commanders, and the post-mortem's to whoever scheduled it. */
export const mentionedInReminder = (reminder: Reminder): Role[] =>
  reminder.kind === 'post_mortem' ? ['actor', 'incident_commanders'] : ['incident_commanders'];

/**
 * The roles chosen, as the notifier's audience: the requester and the actor by their Slack user id, and only when
 * they are people (an alerting integration has no one to mention).
 */
export function audienceOf(
  roles: readonly Role[],
  people: { requester?: string; actor?: string } = {},
  platformChannel = false,
): Audience {
  const person = (role: 'requester' | 'actor') => {
    const id = people[role];
    return roles.includes(role) && id !== undefined && isSlackUser(id) ? { [role]: id } : {};
  };
  return {
    teams: roles.filter((r): r is Team => r !== 'requester' && r !== 'actor'),
    ...person('requester'),
    ...person('actor'),
    ...(platformChannel ? { platformChannel } : {}),
  };
}

/** Who hears of `event` in the card's thread, and whether the platform team's channel does too. */
export const audienceFor = (r: Rollback, event: RollbackEvent | ProgressNote): Audience =>
  audienceOf(mentionedFor(r, event), { requester: r.requestedBy }, tellsPlatformChannel(event));

/** A reminder's audience: the post-mortem's goes to whoever scheduled it too. */
export const reminderAudience = (reminder: Reminder): Audience =>
  audienceOf(mentionedInReminder(reminder), { actor: reminder.kind === 'post_mortem' ? reminder.by : undefined });

/** "Evaluate, likely rollback": on-call and the incident commanders. */
export const REPORTS_ALERT_AUDIENCE: Audience = audienceOf(REPORTS_ALERT_MENTIONS);

/** Tells the card and its thread what `event` did, to the audience these rules choose for it. */
export const tell = (
  deps: Pick<RunbookDeps, 'notifier'>,
  r: Rollback,
  event: RollbackEvent | ProgressNote,
): Promise<void> => deps.notifier.progress(r, event, audienceFor(r, event));
