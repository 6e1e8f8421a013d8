/**
 * The bot's container image (scripts/setup-image.sh builds it), the docker CLI, and Slack's requests to a deployed bot
 * (over HTTP or Socket Mode), for the image and stack tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SIGNING_SECRET } from './bot-harness';
import { ACTION } from '../../src/slack/ids';
import type { FakeSlack } from './fake-slack';
import type { FakeSocketMode } from './fake-socket-mode';
import { LAST_LINE } from './scenario';
import { buttonClickBody, postSigned, slashCommandBody } from './slack-requests';

const exec = promisify(execFile);

/** One name for the image everywhere (scripts/setup-image.sh, the README, docs/production.md): ROLLBACK_IMAGE. */
export const IMAGE = process.env.ROLLBACK_IMAGE ?? 'rollback-bot:latest';

/** Runs the docker CLI; resolves with its trimmed stdout. */
export const dockerCli = async (args: string[], env: Record<string, string> = {}): Promise<string> =>
  (await exec('docker', args, { timeout: 120_000, env: { ...process.env, ...env } })).stdout.trim();

/** Fails with the fix in the message when the image has not been built. */
export async function requireImage(): Promise<void> {
  try {
    await dockerCli(['image', 'inspect', IMAGE]);
  } catch {
    throw new Error(`This test needs the bot's image ${IMAGE}: run \`sudo bash scripts/setup-image.sh\``);
  }
}

/**
 * A signed `/rollback <environment> --dry-run` to a bot at `baseUrl` (as a container or a stack runs it); resolves
 * once its card is posted in the channel and the requester has the private answer.
 */
export async function dryRunThrough(
  baseUrl: string,
  slack: FakeSlack,
  p: { environment: string; channel: string; user: string },
): Promise<void> {
  const res = await postSigned(
    `${baseUrl}/slack/events`,
    slashCommandBody({
      text: `${p.environment} --dry-run to v1 through ${baseUrl}`,
      userId: p.user,
      channelId: p.channel,
      responseUrl: slack.newResponseUrl(),
    }),
    { secret: SIGNING_SECRET },
  );
  if (res.status !== 200) throw new Error(`the bot answered ${res.status}`);
  await slack.waitFor(
    () =>
      slack
        .callsOf('chat.postMessage')
        .find((c) => c.args.channel === p.channel && String(c.args.text).includes(`Rollback of ${p.environment}`)),
    `the card of the dry run of ${p.environment}`,
    60_000,
  );
  await slack.waitFor(
    () => slack.responses.find((r) => String(r.body.text ?? '').includes(`of *${p.environment}*`)),
    `the answer to the dry run of ${p.environment}`,
    60_000,
  );
}

/** How Slack reaches a deployed bot: signed HTTP requests, or envelopes over a Socket Mode connection. */
export interface SlackTransport {
  /** Delivers a form-encoded request body as Slack would (a slash command, or a click with its `payload=`). */
  deliver(kind: 'command' | 'click', body: string): Promise<void>;
}

export const overHttp = (baseUrl: string): SlackTransport => ({
  async deliver(_kind, body) {
    const res = await postSigned(`${baseUrl}/slack/events`, body, { secret: SIGNING_SECRET });
    if (res.status !== 200) throw new Error(`the bot answered ${res.status}: ${res.text}`);
  },
});

/** Socket Mode carries the same fields: a slash command's as an object, a click's `payload` as parsed JSON. */
export const overSocket = (socket: FakeSocketMode): SlackTransport => ({
  async deliver(kind, body) {
    const form = new URLSearchParams(body);
    if (kind === 'command') await socket.send('slash_commands', Object.fromEntries(form));
    else await socket.send('interactive', JSON.parse(form.get('payload') ?? '{}') as Record<string, unknown>);
  },
});

/** `/rollback help` through `via`; resolves with the answer's text once the bot has posted it to the response_url. */
export async function helpThrough(via: SlackTransport, slack: FakeSlack, p: { channel: string; user: string }) {
  const responseUrl = slack.newResponseUrl();
  const id = responseUrl.split('/').pop() ?? '';
  await via.deliver('command', slashCommandBody({ text: 'help', userId: p.user, channelId: p.channel, responseUrl }));
  const answer = await slack.waitFor(
    () => slack.responses.find((r) => r.id === id),
    'the answer to /rollback help',
    30_000,
  );
  return String(answer.body.text ?? '');
}

/** The value of the first element with this action_id anywhere in a message's blocks. */
function actionValue(node: unknown, actionId: string): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = actionValue(child, actionId);
      if (found !== undefined) return found;
    }
  } else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.action_id === actionId && typeof element.value === 'string') return element.value;
    return actionValue(Object.values(element), actionId);
  }
  return undefined;
}

/** The first Approve button on a card in `channel`: the rollback's id and the card's ts. */
function approveButton(slack: FakeSlack, channel: string): { id: string; ts: string } | undefined {
  for (const call of [...slack.callsOf('chat.postMessage'), ...slack.callsOf('chat.update')]) {
    if (call.args.channel !== channel) continue;
    const blocks: unknown = typeof call.args.blocks === 'string' ? JSON.parse(call.args.blocks) : call.args.blocks;
    const id = actionValue(blocks, ACTION.approve);
    if (id) return { id, ts: String(call.args.ts) };
  }
  return undefined;
}

/**
 * A whole rollback through a deployed bot, as people do it in Slack: the on-call's `/rollback production …`, an
 * incident commander's Approve on the card, then the thread's last line (Step 5 done). Resolves with the card's ts.
 */
export async function rollbackThrough(
  via: SlackTransport,
  slack: FakeSlack,
  p: { channel: string; requester: string; approver: string },
): Promise<string> {
  await via.deliver(
    'command',
    slashCommandBody({
      text: 'production error rate 12% after the deploy',
      userId: p.requester,
      channelId: p.channel,
      responseUrl: slack.newResponseUrl(),
    }),
  );
  const card = await slack.waitFor(() => approveButton(slack, p.channel), 'the card with its Approve button', 60_000);
  await via.deliver(
    'click',
    buttonClickBody({
      actionId: ACTION.approve,
      value: card.id,
      userId: p.approver,
      channelId: p.channel,
      messageTs: card.ts,
      responseUrl: slack.newResponseUrl(),
    }),
  );
  await slack.waitFor(
    () => slack.threadMessages(card.ts).some((t) => t.includes(LAST_LINE)),
    `the rollback's last line ("${LAST_LINE}") in the card's thread`,
    120_000,
  );
  return card.ts;
}
