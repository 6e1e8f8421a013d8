/**
 * The Home tab through the whole bot, on fakes (no Docker): Slack's signed app_home_opened reaches the listener
 * through the front, the dashboard is published with views.publish (checked against Block Kit's view limits by the
 * fake Slack), and a rollback requested afterwards redraws the open tab on its own.
 */
import { SIGNING_SECRET, type Harness, startHarness } from '../support/bot-harness';
import { healthyProbe, unitConfig } from '../support/fakes';
import { CountingTarget } from '../support/sim-env';
import { homeOpenedBody, postSigned } from '../support/slack-requests';

jest.setTimeout(30_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness(unitConfig(), {
    runtime: new CountingTarget(0),
    probe: healthyProbe('v2'),
    logLevel: 'silent',
  });
});
afterAll(() => h?.stop());

const published = (user: string) => h.slack.callsOf('views.publish').filter((c) => c.args.user_id === user);
const viewText = (call: { args: Record<string, unknown> }) =>
  typeof call.args.view === 'string' ? call.args.view : JSON.stringify(call.args.view);

it('draws the Home tab of whoever opens it, and redraws it when a rollback starts', async () => {
  const res = await postSigned(`${h.baseUrl}/slack/events`, homeOpenedBody({ userId: 'U0IC', viewId: null }), {
    secret: SIGNING_SECRET,
    headers: { 'Content-Type': 'application/json' },
  });
  expect(res.status).toBe(200);
  const first = await h.slack.waitFor(() => published('U0IC')[0], 'the Home tab of U0IC');
  const view = JSON.parse(viewText(first)) as { type: string; blocks: unknown[] };
  expect(view.type).toBe('home');
  expect(viewText(first)).toContain('*production*');
  expect(viewText(first)).toContain(':large_green_circle: open');

  await h.command('production errors after the deploy', 'U0ONCALL');
  // Redrawn without being opened again: the rollback in progress, and the gate it shuts.
  const redrawn = await h.slack.waitFor(
    () => published('U0IC').find((c) => viewText(c).includes('a rollback is in progress')),
    'the Home tab redrawn with the rollback',
  );
  expect(viewText(redrawn)).toMatch(/\*Now:\* <https:\/\/slack\.com\/archives\/C0INCIDENT\/p\d+\|rb-[a-z0-9]+>/);
  // Nobody else opened it: nobody else's is drawn.
  expect(h.slack.callsOf('views.publish').every((c) => c.args.user_id === 'U0IC')).toBe(true);
});
