/**
 * The bot as its own process (the compiled dist/main.js), so a test can SIGKILL or SIGTERM it and start it again
 * on the same SQLite file, the way a host restart or a crash would.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import type { BotConfig } from '../../src/config/config.schema';
import { BOT_TOKEN, SIGNING_SECRET } from './bot-harness';
import { freePort } from './docker-env';
import type { FakeSlack } from './fake-slack';
import { buttonClickBody, postSigned, slashCommandBody } from './slack-requests';

const exec = promisify(execFile);

/** The project's root: above test/support, whether run from source or from a compiled copy (npm run bench). */
const ROOT =
  [join(__dirname, '../..'), join(__dirname, '../../..')].find((d) => existsSync(join(d, 'tsconfig.build.json'))) ??
  join(__dirname, '../..');

/** Compiles src/ into a folder inside the project (so node_modules resolves) and returns the path of main.js. */
export async function buildBot(): Promise<string> {
  const out = join(ROOT, '.test-build', `bot-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  await exec('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], { cwd: ROOT, timeout: 120_000 });
  return join(out, 'main.js');
}

export class BotProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'rollback-bot-proc-'));
  readonly dbFile = join(this.dir, 'rollback.db');
  readonly output: string[] = [];
  /** What it wrote on stderr alone (also in `output`). */
  readonly errorOutput: string[] = [];
  port = 0;
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    private readonly main: string,
    private readonly slack: FakeSlack,
    config: BotConfig,
    private readonly extraEnv: Record<string, string> = {},
    private readonly nodeArgs: string[] = [],
  ) {
    writeFileSync(join(this.dir, 'rollback.config.yml'), stringify(config));
  }

  /** The bot's process id (for its RSS). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts it and resolves once it takes Slack requests: /healthz says `serving` (it answers 200 as soon as the port
   * is bound; /readyz would also wait for the store and the Docker engine, which some tests keep away on purpose).
   */
  async start(): Promise<void> {
    const child = await this.launch();
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const res = await fetch(`${this.baseUrl}/healthz`);
        if (res.ok && ((await res.json()) as { state?: unknown }).state === 'serving') return;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`the bot exited at start:\n${this.output.join('')}`);
      if (Date.now() > deadline) throw new Error(`the bot did not start:\n${this.output.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Starts it without waiting for anything (a test that watches what it does while starting). */
  async launch(): Promise<ChildProcess> {
    this.port = await freePort();
    const child = spawn(process.execPath, [...this.nodeArgs, this.main], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: this.slack.apiUrl,
        PORT: String(this.port),
        ROLLBACK_CONFIG: join(this.dir, 'rollback.config.yml'),
        ROLLBACK_DB: this.dbFile,
        ROLLBACK_INSTANCE_ID: 'restart-test-host',
        LOG_LEVEL: 'debug',
        ...this.extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => {
      this.output.push(d.toString());
      this.errorOutput.push(d.toString());
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return child;
  }

  /** The work process the bot forked: the child of its process (found in /proc, whatever the log level). */
  get workPid(): number | undefined {
    const parent = this.child?.pid;
    if (!parent) return undefined;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid …: the command name may hold spaces, so read after its closing parenthesis.
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) return Number(entry);
      } catch {
        // the process ended while we looked
      }
    }
    return undefined;
  }

  /** Sends the signal and resolves with the exit code (null when killed by the signal) and how long it took. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    this.child?.kill(signal);
    const code = (await this.exited) ?? null;
    return { code, ms: Date.now() - started };
  }

  async command(text: string, user: string, channel: string): Promise<number> {
    const body = slashCommandBody({ text, userId: user, channelId: channel, responseUrl: this.slack.newResponseUrl() });
    return (await postSigned(`${this.baseUrl}/slack/events`, body, { secret: SIGNING_SECRET })).status;
  }

  async click(actionId: string, rollbackId: string, user: string, channel: string, cardTs: string): Promise<number> {
    const body = buttonClickBody({
      actionId,
      value: rollbackId,
      userId: user,
      channelId: channel,
      messageTs: cardTs,
      responseUrl: this.slack.newResponseUrl(),
    });
    return (await postSigned(`${this.baseUrl}/slack/events`, body, { secret: SIGNING_SECRET })).status;
  }
}
