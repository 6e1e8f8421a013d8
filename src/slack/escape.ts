/**
 * Slack's "formatting text" rules: `&`, `<` and `>` are control characters in mrkdwn (`<!channel>`, `<@U…>`,
 * `<https://…|label>`). Any text the bot did not write itself — a reason typed by a user, a health endpoint's body,
 * a deploy script's output, an error message from an API — goes through `esc` where blocks are built, so Slack shows
 * it and never obeys it. The bot's own mentions and links are written by the renderers around the escaped text.
 */
export function esc(text: string | number | null | undefined): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Slack escapes `&`, `<` and `>` in a slash command's text: back to what the user typed (escaped again on display). */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A link the bot writes: the address as Slack needs it (no `|` or `>` inside), the label escaped. */
export function link(url: string, label: string): string {
  return `<${url.replace(/[|<>\s]/g, encodeURIComponent)}|${esc(label).replace(/\|/g, '¦')}>`;
}
