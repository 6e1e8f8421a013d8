/**
 * Times for people outside Slack — the Markdown timeline, GitHub tickets, the API's human `message`, error sentences
 * — as "3 Dec 2026 20:29 UTC": readable at a glance, one zone for everyone (the reader's own zone is Slack's job,
 * src/slack/time.ts), and never mistaken for a local time. Machines keep ISO 8601 in their own fields.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const two = (n: number) => String(n).padStart(2, '0');

/**
 * "3 Dec 2026 20:29 UTC"; with the seconds on request, where events seconds apart must stay apart (a timeline).
 * A value that is not a time comes back as it was, so nothing is hidden behind "Invalid Date".
 */
export function humanUtc(when: string | number | Date, opts: { seconds?: boolean } = {}): string {
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return String(when);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}${opts.seconds ? `:${two(d.getUTCSeconds())}` : ''}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} UTC`;
}
