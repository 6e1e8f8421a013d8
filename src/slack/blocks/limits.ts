/** Block Kit's limits (https://api.slack.com/reference/block-kit/blocks). */
export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  buttonText: 75,
  contextElements: 10,
  messageText: 40000,
} as const;

/** At most `max` UTF-16 units, with "…" where it was cut (never in the middle of a surrogate pair). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A message's text within Slack's limit; when cut, `note` (where to read the rest) ends it. */
export function fitMessage(text: string, note: string, max: number = LIMITS.messageText): string {
  return text.length <= max ? text : `${truncate(text, max - note.length)}${note}`;
}

export type Block = Record<string, unknown>;

export const mrkdwn = (text: string, max: number = LIMITS.sectionText) => ({
  type: 'mrkdwn',
  text: truncate(text, max),
});
export const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text) });
export const context = (...texts: string[]): Block => ({
  type: 'context',
  elements: texts.slice(0, LIMITS.contextElements).map((t) => mrkdwn(t)),
});

// The renderers take their time markup from here with the other text helpers; it lives with Slack's language.
export { DATE_FORMAT, slackDate } from '../time';

export function seconds(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * As many whole lines as fit in `max` characters joined by newlines, then `more(n)` for the n left out: a list that
 * is too long for a block is shortened on purpose, never cut in the middle of a line (or of its markup).
 */
export function fitLines(lines: readonly string[], max: number, more: (left: number) => string): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  const kept: string[] = [];
  let size = 0;
  for (const [i, line] of lines.entries()) {
    const tail = more(lines.length - i - 1);
    const next = size + (kept.length ? 1 : 0) + line.length;
    if (next + 1 + tail.length > max) break;
    kept.push(line);
    size = next;
  }
  return truncate([...kept, more(lines.length - kept.length)].join('\n'), max);
}
