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

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
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

/** Slack renders this in the reader's own time zone. */
export function slackDate(iso: string, format = '{time_secs}'): string {
  const secs = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${secs}^${format}|${iso}>`;
}

export function seconds(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
