/**
 * The runbook's Option A: the team's deploy script, run as an argument vector (never through a shell), in its own
 * process group so that a timeout can stop it and everything it started.
 */
import { spawn } from 'node:child_process';
import { constants, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import type { ScriptOutcome, ScriptRunner, ScriptSpec } from '../../ports';

/**
 * The bot's own settings and credentials are not the script's business: names like these are not passed on. The
 * bot's settings (`ROLLBACK_*`: the database URL, its CA, the config path), the database URL, every `*_FILE` (which
 * points at a secret), Slack, PagerDuty and GitHub settings, and anything named like a credential. What a script needs
 * is given on purpose in the config (`script.env`) and the runbook's own `ROLLBACK_ID`, `ROLLBACK_VERSION`, ….
 */
const SECRET_NAME =
  /^(SLACK_|ROLLBACK_|PAGERDUTY_|PD_|GITHUB_|GH_)|^DATABASE_URL$|_FILE$|TOKEN|SECRET|PASSW|PASSPHRASE|PASSFILE|API_?KEY|PRIVATE_KEY|ROUTING_KEY|INTEGRATION_KEY|CREDENTIAL|AUTH(?!OR)|_DSN$|^DSN$/i;

/** A URL with a password in it (`postgres://user:pw@host`, a proxy with credentials). */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i;

/** Shorter known secrets are not looked for in values: they would match innocent text. */
const MIN_SECRET_CHARS = 8;

/**
 * A copy of this process's environment without its secrets, plus `extra` (which may set anything): variables named
 * like a credential or a setting of the bot's, values carrying URL credentials, and values that contain one of the
 * known secrets whatever the variable's name (`api.tokens: {ci: ${CI_BEARER}}` makes CI_BEARER a secret).
 */
export function scriptEnvironment(
  extra: Record<string, string>,
  base: NodeJS.ProcessEnv = process.env,
  secrets: readonly string[] = [],
): Record<string, string> {
  const known = secrets.filter((s) => s.length >= MIN_SECRET_CHARS);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || SECRET_NAME.test(k) || URL_CREDENTIALS.test(v)) continue;
    if (known.some((s) => v.includes(s))) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** How long to wait for the output pipes to drain after the script exited (a background child may hold them). */
const DRAIN_MS = 1000;

export class ProcessScriptRunner implements ScriptRunner {
  /** `secrets`: the values the bot knows to be secret (the config's and its own), kept from scripts by value too. */
  constructor(private readonly opts: { secrets?: readonly string[] } = {}) {}

  async check(command: string, cwd: string): Promise<string> {
    const candidates = command.includes('/')
      ? [path.resolve(cwd, command)]
      : (process.env.PATH ?? '')
          .split(path.delimiter)
          .filter(Boolean)
          .map((d) => path.join(d, command));
    for (const file of candidates) {
      const stat = await fs.stat(file).catch(() => null);
      if (!stat) continue;
      if (!stat.isFile())
        throw new RollbackBotError(ErrorCode.ScriptNotRunnable, `the deploy script ${file} is not a file`);
      try {
        await fs.access(file, constants.X_OK);
      } catch {
        throw new RollbackBotError(
          ErrorCode.ScriptNotRunnable,
          `the deploy script ${file} is not executable (chmod +x)`,
        );
      }
      return file;
    }
    const where = command.includes('/')
      ? `${path.resolve(cwd, command)} does not exist`
      : `${command} is not on the PATH`;
    throw new RollbackBotError(ErrorCode.ScriptNotRunnable, `the deploy script cannot be found: ${where}`);
  }

  async run(spec: ScriptSpec): Promise<ScriptOutcome> {
    await fs.mkdir(path.dirname(spec.outputFile), { recursive: true });
    const out = createWriteStream(spec.outputFile, { flags: 'a' });
    const started = Date.now();
    let lines = 0;
    let timedOut = false;

    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: scriptEnvironment(spec.env, process.env, this.opts.secrets),
      // Its own process group: `kill(-pid)` reaches whatever the script started too.
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(
          new RollbackBotError(ErrorCode.ScriptNotRunnable, `the deploy script could not be started: ${err.message}`, {
            cause: err,
          }),
        ),
      );
    });
    try {
      await spawned;
    } catch (err) {
      out.end();
      throw err;
    }
    const pid = child.pid as number;
    spec.onStart?.(pid);

    const drained = [child.stdout, child.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          const rl = createInterface({ input: stream, crlfDelay: Infinity });
          rl.on('line', (line) => {
            lines++;
            out.write(`${line}\n`);
            spec.onLine?.(line);
          });
          rl.once('close', resolve);
        }),
    );

    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      out.write(`--- rollback-bot: timed out after ${spec.timeoutMs} ms; SIGTERM to the process group ---\n`);
      killGroup('SIGTERM');
      // Whatever ignores SIGTERM gets SIGKILL after the grace period, even if the script itself is gone by then.
      const escalation = setTimeout(() => killGroup('SIGKILL'), spec.killGraceMs);
      escalation.unref();
    }, spec.timeoutMs);

    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    clearTimeout(timer);
    // The script is gone; something it left behind may still hold the pipes: wait a little, then stop reading.
    await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    await new Promise<void>((resolve) => out.end(resolve));
    return { exitCode: exit.code, signal: exit.signal, timedOut, lines, durationMs: Date.now() - started };
  }
}
