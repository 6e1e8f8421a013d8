/** The work side's Bolt app: a Slack retry of a delivery already handled reaches the listener marked as a repeat. */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import pino from 'pino';
import { createSlackApp, deliveryKey } from '../../../src/slack/app';
import { afterAck } from '../../../src/slack/listeners/types';
import type { RuntimeEnv } from '../../../src/config/env';
import { FakeSlack } from '../../support/fake-slack';

describe('deliveryKey', () => {
  it('keys a command and an interaction by their trigger id', () => {
    expect(deliveryKey({ command: '/rollback', trigger_id: '123.abc' })).toBe('/rollback:123.abc');
    expect(deliveryKey({ type: 'block_actions', trigger_id: '9.z' })).toBe('block_actions:9.z');
  });

  it('keys nothing without a trigger id (events, an empty id)', () => {
    expect(deliveryKey({ type: 'event_callback' })).toBeNull();
    expect(deliveryKey({ type: 'block_actions', trigger_id: '' })).toBeNull();
  });
});

/** A receiver the test feeds by hand, as the front's link does. */
class HandReceiver implements Receiver {
  app?: App;
  init(app: App) {
    this.app = app;
  }
  start = async () => undefined;
  stop = async () => undefined;
  async deliver(body: Record<string, unknown>): Promise<void> {
    const event: ReceiverEvent = { body, ack: async () => undefined };
    await this.app?.processEvent(event);
  }
}

// Bolt authorizes each delivery with auth.test: the local fake Slack Web API answers it.
const slack = new FakeSlack();
beforeAll(() => slack.start());
afterAll(() => slack.stop());
const command = {
  command: '/rollback',
  text: 'status',
  trigger_id: '1.a',
  user_id: 'U0ONCALL',
  channel_id: 'C1',
  team_id: 'T1',
  response_url: 'http://127.0.0.1:9/r',
};

async function appSeeing(firstDelivery: (key: string) => Promise<boolean>) {
  const receiver = new HandReceiver();
  const env = { SLACK_BOT_TOKEN: 'xoxb-unit', SLACK_API_URL: slack.apiUrl } as RuntimeEnv;
  const app = createSlackApp(env, pino({ level: 'silent' }), { receiver, firstDelivery });
  const seen: boolean[] = [];
  app.command('/rollback', async ({ ack, context }) => {
    await ack();
    seen.push(await afterAck(context));
  });
  return { receiver, seen };
}

describe('createSlackApp', () => {
  it('hands the listener first-or-repeat from the store, keyed by the delivery', async () => {
    const keys = new Set<string>();
    const asked: string[] = [];
    const { receiver, seen } = await appSeeing(async (key) => {
      asked.push(key);
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    });
    await receiver.deliver(command);
    await receiver.deliver(command);
    expect(asked).toEqual(['/rollback:1.a', '/rollback:1.a']);
    expect(seen).toEqual([true, false]);
  });

  it('handles the delivery when the store cannot say (the lock and compare-and-set still guard it)', async () => {
    const { receiver, seen } = await appSeeing(async () => {
      throw new Error('database is locked');
    });
    await receiver.deliver(command);
    expect(seen).toEqual([true]);
  });
});
