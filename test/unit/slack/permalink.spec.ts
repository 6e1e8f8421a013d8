/** The card's permalink, as Slack's web client opens it. */
import { cardUrl } from '../../../src/slack/permalink';

it('builds the archive link from the channel and the ts without its dot', () => {
  expect(cardUrl({ channel: 'C0INCIDENT', ts: '1700000000.000100' })).toBe(
    'https://slack.com/archives/C0INCIDENT/p1700000000000100',
  );
});
