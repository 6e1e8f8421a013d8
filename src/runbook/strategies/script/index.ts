/**
 * Option A: the team's deploy script — `deploy.sh --rollback --env production --version <SHA> --output-dir …`.
 * Run as an argument vector (no shell), in its own process group, with a timeout (default: Step 3's budget).
 * Its last lines go into the thread in batches; its full output is kept in the rollback's output directory; its exit
 * code decides.
 */
import path from 'node:path';
import type { EnvironmentConfig } from '../../../config/config.schema';
import type { ScriptConfig } from '../../../config/strategies/script.config';
import { describeError, ErrorCode, isCoded } from '../../../domain/errors';
import type { Rollback } from '../../../domain/rollback';
import type { RollbackEvent } from '../../../domain/rollback.events';
import { nowIso, type RunbookDeps } from '../../engine/context';
import { scriptConfig } from '../../../config/strategies/script.config';
import type { RollbackStrategy } from '../strategy';
import { scriptWords } from './words';
import {
  inspectWhole,
  wholeEnvironmentNow,
  note,
  recordDeployment,
  resultFor,
  shellWords,
  unsafeArguments,
  versionNow,
} from '../whole-environment';

/** Lines of output shown per batch, and characters per line. */
const BATCH_LINES = 10;
const LINE_CHARS = 300;

const scriptOf = (env: EnvironmentConfig): ScriptConfig => {
  if (!env.script) throw new Error('strategy script without a script section');
  return env.script;
};

export interface ScriptInvocation {
  command: string;
  args: string[];
  cwd: string;
  outputDir: string;
  outputFile: string;
  timeoutMs: number;
  env: Record<string, string>;
}

/** The command line for this rollback: the placeholders replaced, each argument staying one argument. */
export function invocation(r: Rollback, env: EnvironmentConfig): ScriptInvocation {
  const cfg = scriptOf(env);
  const outputDir = path.resolve(cfg.output_root, r.id);
  const values: Record<string, string> = {
    environment: r.environment,
    version: r.target ?? '',
    output_dir: outputDir,
    rollback_id: r.id,
  };
  return {
    command: cfg.command,
    args: cfg.args.map((a) =>
      a.replace(/\{(environment|version|output_dir|rollback_id)\}/g, (_, k: string) => values[k]),
    ),
    cwd: path.resolve(cfg.cwd ?? '.'),
    outputDir,
    outputFile: path.join(outputDir, 'deploy.log'),
    timeoutMs: cfg.timeout_ms ?? env.budgets.execute_ms,
    env: {
      ...cfg.env,
      ROLLBACK_ID: r.id,
      ROLLBACK_ENVIRONMENT: r.environment,
      ROLLBACK_VERSION: r.target ?? '',
      ROLLBACK_OUTPUT_DIR: outputDir,
    },
  };
}

function runner(deps: RunbookDeps) {
  if (!deps.scripts) throw new Error('no script runner wired');
  return deps.scripts;
}

const cutLine = (l: string): string => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS - 1)}…` : l);

/**
 * Whether any process of the group is alive (the script runs as its own group leader). On this host only: after a
 * move to another host the group cannot be seen, and the rollback is marked interrupted as before.
 */
export function processGroupAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const scriptStrategy: RollbackStrategy = {
  name: 'script',
  config: scriptConfig,
  needs: ['probe', 'scripts'],
  ...scriptWords,

  async currentVersions(deps, r, env, opts) {
    return wholeEnvironmentNow(deps, r, env.script?.command ?? 'deploy script', env, opts);
  },

  async inspect(deps, r, env, health) {
    const cfg = scriptOf(env);
    return inspectWhole(r, cfg.command, health, 'Deploy script', 'Option A', () =>
      runner(deps).check(cfg.command, path.resolve(cfg.cwd ?? '.')),
    );
  },

  async precheck(_deps, r, _env, target) {
    return unsafeArguments(r.environment, target);
  },

  async execute(deps, r, env) {
    const target = r.target as string;
    const inv = invocation(r, env);
    const where = env.script?.command ?? 'deploy script';
    /** Step 3 failed: what /health reports now, and why. */
    const failed = async (reason: string, detail: string, code: string): Promise<RollbackEvent> => ({
      type: 'ExecutionFailed',
      at: nowIso(deps.clock),
      reason,
      code,
      results: [resultFor(r, where, 'failed', await versionNow(deps, env), detail, code)],
    });
    const refused = unsafeArguments(r.environment, target);
    if (refused)
      return {
        type: 'ExecutionFailed',
        at: nowIso(deps.clock),
        reason: refused.reason,
        code: refused.code,
        results: [resultFor(r, where, 'failed', null, refused.reason, refused.code)],
      };

    // Output comes in as it is written; the thread gets the newest lines every interval, never a flood.
    let pending: string[] = [];
    let skipped = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const lines = pending;
      const dropped = skipped;
      pending = [];
      skipped = 0;
      await note(deps, r, {
        kind: 'script_output',
        lines: lines.map(cutLine),
        skipped: dropped,
        outputFile: inv.outputFile,
      });
    };
    let flushing: Promise<void> = Promise.resolve();
    const ticker = setInterval(() => {
      flushing = flushing.then(flush);
    }, env.script?.output_interval_ms ?? 10_000);
    ticker.unref();
    let started: Promise<void> = Promise.resolve();

    let outcome;
    try {
      outcome = await runner(deps).run({
        command: inv.command,
        args: inv.args,
        cwd: inv.cwd,
        env: inv.env,
        timeoutMs: inv.timeoutMs,
        killGraceMs: env.script?.kill_grace_ms ?? 5000,
        outputFile: inv.outputFile,
        onStart: (pid) => {
          started = recordDeployment(deps, r, {
            kind: 'script',
            pid,
            commandLine: shellWords([inv.command, ...inv.args]),
            outputFile: inv.outputFile,
          });
        },
        onLine: (line) => {
          pending.push(line);
          if (pending.length > BATCH_LINES) {
            skipped += pending.length - BATCH_LINES;
            pending = pending.slice(-BATCH_LINES);
          }
        },
      });
    } catch (err) {
      const reason = `The deploy script did not start: ${describeError(err)}. Nothing was run.`;
      return failed(reason, reason, isCoded(err) ? err.code : ErrorCode.ScriptNotRunnable);
    } finally {
      clearInterval(ticker);
    }
    await started;
    await flushing;
    await flush();

    const took = `${Math.round(outcome.durationMs / 100) / 10} s`;
    if (!outcome.timedOut && outcome.exitCode === 0) {
      return {
        type: 'ServicesRolledBack',
        at: nowIso(deps.clock),
        results: [resultFor(r, where, 'rolled_back', null, `exit 0 after ${took}`)],
      };
    }
    const code = outcome.timedOut ? ErrorCode.ScriptTimeout : ErrorCode.ScriptFailed;
    const how = outcome.timedOut
      ? `did not finish within ${Math.round(inv.timeoutMs / 1000)} s and was stopped (SIGTERM, then SIGKILL to its process group)`
      : outcome.exitCode !== null
        ? `exited with code ${outcome.exitCode} after ${took}`
        : `was killed by ${outcome.signal} after ${took}`;
    return failed(`The deploy script ${how}. Its full output: ${inv.outputFile}`, how, code);
  },

  plan(r, env) {
    const inv = invocation(r, env);
    const extra = Object.keys(env.script?.env ?? {});
    return [
      `*Step 3* would run the deploy script (no shell; in \`${inv.cwd}\`; stopped after ${Math.round(inv.timeoutMs / 1000)} s):`,
      `\`${shellWords([inv.command, ...inv.args])}\``,
      `with ROLLBACK_ID, ROLLBACK_ENVIRONMENT, ROLLBACK_VERSION, ROLLBACK_OUTPUT_DIR${extra.length ? `, ${extra.join(', ')}` : ''} set; its full output would be kept in \`${inv.outputFile}\`.`,
    ];
  },

  /**
   * A script cannot be picked up halfway: whether it finished is unknown, so stop and say what is known. While its
   * process group still runs (the script outlived the bot), the environment stays locked until a person decides.
   */
  async resumeCheck(deps, r, env) {
    const now = await versionNow(deps, env);
    const where = env.script?.command ?? 'deploy script';
    const d = r.deployment;
    if (d?.kind === 'script' && processGroupAlive(d.pid)) {
      return {
        type: 'OutcomeUnknown',
        at: nowIso(deps.clock),
        reason: `the bot stopped while the deploy script was running, and it is still running (process group ${d.pid}: \`${d.commandLine}\`). Its output so far: ${d.outputFile}. /health reports ${now ?? 'no version'} now.`,
        services: [{ service: r.environment, dockerService: where, version: now, previousVersion: null }],
      };
    }
    const what =
      d?.kind === 'script'
        ? `the bot stopped while the deploy script was running (pid ${d.pid}: \`${d.commandLine}\`); whether it finished is not known. Its output so far: ${d.outputFile}`
        : 'the bot stopped during Step 3, before it recorded whether the deploy script started';
    return {
      type: 'RollbackInterrupted',
      at: nowIso(deps.clock),
      reason: `${what}. /health reports ${now ?? 'no version'} now.`,
      services: [{ service: r.environment, dockerService: where, version: now, previousVersion: null }],
    };
  },
};
