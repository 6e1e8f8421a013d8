/**
 * The load generator of the ack benchmark, as its own process: it sends the burst and reports each request's time.
 * In the bench process it shared an event loop with the fake Slack Web API, which the bot keeps busy during the burst
 * (the bare app makes no Slack calls): the client was then slow to read the bot's answers, not the bot slow to give
 * them. Input (env BURST, JSON): url, texts [{text, channel}], concurrency, secret, responseBase, user. Output: one
 * line of JSON, the times in ms in request order.
 */
import { postSigned, slashCommandBody } from '../test/support/slack-requests';

interface Burst {
  url: string;
  texts: Array<{ text: string; channel: string }>;
  concurrency: number;
  secret: string;
  responseBase: string;
  user: string;
}

async function main(): Promise<void> {
  const b = JSON.parse(process.env.BURST ?? '{}') as Burst;
  const times: number[] = new Array(b.texts.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: b.concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= b.texts.length) return;
        const body = slashCommandBody({
          text: b.texts[i].text,
          userId: b.user,
          channelId: b.texts[i].channel,
          responseUrl: `${b.responseBase}/response/burst-${process.pid}-${i}`,
        });
        const res = await postSigned(b.url, body, { secret: b.secret });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        times[i] = res.ms;
      }
    }),
  );
  process.stdout.write(`${JSON.stringify(times)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
