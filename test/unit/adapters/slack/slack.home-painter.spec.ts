/** The Home tab painter: one views.publish per person at a time, the newest dashboard wins, paced, best effort. */
import type { WebClient } from '@slack/web-api';
import { SlackHomePainter } from '../../../../src/adapters/slack/slack.home-painter';
import { SlackPacer } from '../../../../src/adapters/slack/slack.pacer';
import { SlackWebApi } from '../../../../src/adapters/slack/slack.web-api';
import type { HomeDashboard } from '../../../../src/domain/home';
import { UNPACED } from '../../../support/bot-harness';
import { quietLog } from '../../../support/fakes';

const home = (userId: string, notice: string): HomeDashboard => ({
  userId,
  at: '2026-12-01T10:00:00.000Z',
  environments: [],
  page: 0,
  notice,
});

/** A Slack whose views.publish takes `ms` and records what it drew for whom (the notice names the dashboard). */
function slowSlack(ms: number, fail = false) {
  const drawn: Array<[string, string]> = [];
  const client = {
    views: {
      publish: async (args: { user_id: string; view: { blocks: Array<{ text?: { text: string } }> } }) => {
        await new Promise((r) => setTimeout(r, ms));
        drawn.push([args.user_id, args.view.blocks[1]?.text?.text ?? '']);
        if (fail)
          throw Object.assign(new Error('An API error occurred: not_enabled'), {
            code: 'slack_webapi_platform_error',
            data: { ok: false, error: 'not_enabled' },
          });
        return { ok: true };
      },
    },
  } as unknown as WebClient;
  return { client, drawn };
}

it('draws each person once per change, and only the newest of what came in while a draw was on its way', async () => {
  const { client, drawn } = slowSlack(20);
  const inFlight: Array<Promise<unknown>> = [];
  const painter = new SlackHomePainter(
    new SlackWebApi(client, quietLog, ['s3cret']),
    new SlackPacer(UNPACED),
    quietLog,
    (p) => inFlight.push(p),
  );
  const first = painter.publish(home('U1', 'one'), true);
  await new Promise((r) => setTimeout(r, 5));
  void painter.publish(home('U1', 'two'), false);
  void painter.publish(home('U1', 'three s3cret'), false);
  void painter.publish(home('U2', 'other'), false);
  await first;
  await Promise.all(inFlight);
  expect(drawn.filter(([u]) => u === 'U1').map(([, t]) => t)).toEqual([
    ':information_source: one',
    // "two" was replaced while it waited; secrets are taken out as the view leaves.
    ':information_source: three [redacted]',
  ]);
  expect(drawn.filter(([u]) => u === 'U2')).toHaveLength(1);
});

it('never throws when Slack refuses: it is logged', async () => {
  const { client, drawn } = slowSlack(0, true);
  const painter = new SlackHomePainter(new SlackWebApi(client, quietLog), new SlackPacer(UNPACED), quietLog, () => {});
  await expect(painter.publish(home('U1', 'x'), true)).resolves.toBeUndefined();
  expect(drawn).toHaveLength(1);
});

it('keeps to the pace of views.publish: a burst beyond it waits for its turn', async () => {
  const { client, drawn } = slowSlack(0);
  // Three draws a second, no burst beyond one: the second person waits about a third of a second.
  const pacer = new SlackPacer({ ...UNPACED, publishesPerMinute: 180, publishBurst: 1 });
  const painter = new SlackHomePainter(new SlackWebApi(client, quietLog), pacer, quietLog, () => {});
  const started = Date.now();
  await Promise.all([painter.publish(home('U1', 'a'), true), painter.publish(home('U2', 'b'), true)]);
  expect(drawn).toHaveLength(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
});
