/** The card's permalink. A leaf: the API hands it to CI without loading Block Kit. */
import type { MessageRef } from '../domain/rollback';

/** The card's permalink (Slack's web client opens it). */
export function cardUrl(card: MessageRef): string {
  return `https://slack.com/archives/${card.channel}/p${card.ts.replace('.', '')}`;
}
