/** The bot's container image (scripts/setup-image.sh builds it) and the docker CLI, for the image and stack tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SIGNING_SECRET } from './bot-harness';
import type { FakeSlack } from './fake-slack';
import { postSigned, slashCommandBody } from './slack-requests';

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
