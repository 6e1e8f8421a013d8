/**
 * Times in Slack: `<!date^UNIX^FORMAT|fallback>`, which Slack draws in each reader's own time zone and locale
 * ("today at 8:29 PM", "Dec 3, 2026 at 20:29"). The fallback — shown where Slack cannot draw it (notifications,
 * old clients, search results) — is the same time in readable UTC. Only mrkdwn reads this markup: plain_text
 * fields (headers, button labels) take `humanUtc` instead.
 * https://docs.slack.dev/messaging/formatting-message-text/ ("Date formatting")
 */
import { humanUtc } from '../domain/time';
import { esc } from './escape';

/** The formats the bot uses, in Slack's tokens. Each names the day: a time alone is ambiguous the morning after. */
export const DATE_FORMAT = {
  /** "today at 20:29", "Dec 3, 2026 at 20:29": the default. */
  dayAndTime: '{date_short_pretty} at {time}',
  /** "today at 20:29" and its seconds: where events seconds apart are told apart (the first of a span). */
  dayAndTimeSecs: '{date_short_pretty} at {time_secs}',
  /** The time with its seconds: only after a `dayAndTimeSecs` a minute or so before (the end of a span). */
  timeSecs: '{time_secs}',
} as const;

export type DateFormat = (typeof DATE_FORMAT)[keyof typeof DATE_FORMAT];

/**
 * A time for people in Slack (an ISO 8601 string or epoch milliseconds). A value that is not a time is shown as
 * text (escaped), never as broken markup. At most about 80 characters: a section of 3,000 holds dozens.
 */
export function slackDate(when: string | number, format: DateFormat = DATE_FORMAT.dayAndTime): string {
  const ms = typeof when === 'number' ? when : Date.parse(when);
  if (Number.isNaN(ms)) return esc(String(when));
  const fallback = humanUtc(ms, { seconds: format.includes('{time_secs}') });
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}
