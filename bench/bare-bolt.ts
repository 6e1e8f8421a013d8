/**
 * The floor of the ack benchmark: a bare Bolt 5 app with the same HTTP receiver, whose /rollback listener only acks.
 * Run as its own process, like the bot. Env: SLACK_SIGNING_SECRET, SLACK_API_URL (for Bolt's one auth.test), PORT.
 */
import { App, HTTPReceiver } from '@slack/bolt';

async function main(): Promise<void> {
  const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
  const app = new App({
    token: process.env.SLACK_BOT_TOKEN ?? 'xoxb-bare',
    receiver: new HTTPReceiver({ signingSecret }),
    tokenVerificationEnabled: false,
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  });
  app.command('/rollback', async ({ ack }) => {
    await ack();
  });
  await app.start(Number(process.env.PORT));
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
