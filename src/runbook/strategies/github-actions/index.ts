/**
 * Option C: "Run workflow" on the CI/CD Pipeline workflow, with the environment and the version as inputs. The run is
 * correlated (GitHub's own answer where it gives one; else the new workflow_dispatch run of the token's actor created
 * after the dispatch), recorded, and followed to its conclusion, which decides.
 */
import type { EnvironmentConfig } from '../../../config/config.schema';
import type { GitHubActionsConfig } from '../../../config/strategies/github-actions.config';
import { describeError, ErrorCode, isCoded, RollbackBotError } from '../../../domain/errors';
import type { Rollback } from '../../../domain/rollback';
import type { RollbackEvent } from '../../../domain/rollback.events';
import type { WorkflowRun, WorkflowRunner } from '../../../ports';
import { nowIso, type RunbookDeps } from '../../engine/context';
import { githubActionsConfig } from '../../../config/strategies/github-actions.config';
import type { RollbackStrategy } from '../strategy';
import { githubActionsWords } from './words';
import {
  inspectWhole,
  note,
  recordDeployment,
  resultFor,
  unsafeArguments,
  versionNow,
  wholeEnvironmentNow,
} from '../whole-environment';

/** How long a dispatched run may take to show up in the run list. */
const APPEAR_MS = 60_000;
/** GitHub's clocks and ours may disagree a little: runs created up to this long before the dispatch still count. */
const CLOCK_SLACK_MS = 10_000;

const cfgOf = (env: EnvironmentConfig): GitHubActionsConfig => {
  if (!env.github_actions) throw new Error('strategy github-actions without a github_actions section');
  return env.github_actions;
};

const where = (cfg: GitHubActionsConfig) => `${cfg.repo} ${cfg.workflow}`;

export function dispatchBody(r: Rollback, env: EnvironmentConfig): { ref: string; inputs: Record<string, string> } {
  const cfg = cfgOf(env);
  return {
    ref: cfg.ref,
    inputs: { ...cfg.extra_inputs, [cfg.inputs.environment]: r.environment, [cfg.inputs.version]: r.target ?? '' },
  };
}

function workflowsOf(deps: RunbookDeps, r: Rollback): WorkflowRunner {
  const w = deps.workflowsFor?.(r.environment);
  if (!w) throw new Error(`no workflow runner wired for ${r.environment}`);
  return w;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Finds the run our dispatch created: new since the dispatch, workflow_dispatch, ours if we know who we are. */
async function correlate(
  w: WorkflowRunner,
  since: Date,
  known: Set<number>,
  actor: string | null,
  deadline: number,
  pollMs: number,
): Promise<WorkflowRun | null> {
  while (Date.now() < deadline) {
    const runs = await w.recentRuns(new Date(since.getTime() - CLOCK_SLACK_MS));
    const ours = runs.filter(
      (run) => !known.has(run.id) && (actor === null || run.actor === null || run.actor === actor),
    );
    // Oldest first: if two appeared, the first is the one that followed our dispatch most closely.
    if (ours.length > 0) return ours.sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    await sleep(pollMs);
  }
  return null;
}

/**
 * A dispatch that failed this way may still have reached GitHub (it timed out, the connection dropped, GitHub answered
 * 5xx): a run may have started. A 4xx is a clear refusal: nothing started.
 */
const MAYBE_STARTED = (err: unknown) =>
  isCoded(err, ErrorCode.WorkflowFailed) && /did not answer|HTTP 5\d\d/.test(err.message);

/** Step 3 may have started a run nobody can find: the environment stays locked until a person looks. */
async function unknownOutcome(
  deps: RunbookDeps,
  r: Rollback,
  env: EnvironmentConfig,
  why: string,
): Promise<RollbackEvent> {
  const cfg = cfgOf(env);
  const now = await versionNow(deps, env);
  return {
    type: 'OutcomeUnknown',
    at: nowIso(deps.clock),
    reason: `${why}: a run may have started, and the bot cannot tell. Look at ${cfg.repo}'s Actions tab for a ${cfg.workflow} run of ${r.environment} → ${r.target ?? '?'}; /health reports ${now ?? 'no version'} now.`,
    services: [{ service: r.environment, dockerService: where(cfg), version: now, previousVersion: null }],
  };
}

const TRANSIENT = (err: unknown) =>
  isCoded(err, ErrorCode.WorkflowRateLimited) ||
  (isCoded(err, ErrorCode.WorkflowFailed) && /did not answer|HTTP 5\d\d/.test(err.message));

async function follow(
  deps: RunbookDeps,
  r: Rollback,
  env: EnvironmentConfig,
  run: WorkflowRun,
  deadline: number,
): Promise<RollbackEvent> {
  const cfg = cfgOf(env);
  const w = workflowsOf(deps, r);
  const at = () => nowIso(deps.clock);
  let status = run.status;
  let troubled = false;
  for (;;) {
    let current: WorkflowRun;
    try {
      current = await w.getRun(run.id);
    } catch (err) {
      // GitHub hiccups and rate limits do not decide a rollback: keep following until the deadline.
      if (!TRANSIENT(err)) {
        const reason = `Following workflow run ${run.url} failed: ${describeError(err)}. The run was not cancelled; look at it in GitHub.`;
        return {
          type: 'ExecutionFailed',
          at: at(),
          reason,
          code: isCoded(err) ? err.code : undefined,
          results: [resultFor(r, where(cfg), 'failed', await versionNow(deps, env), describeError(err))],
        };
      }
      if (!troubled)
        await note(deps, r, { kind: 'run_unreachable', run: { id: run.id, url: run.url }, error: describeError(err) });
      troubled = true;
      current = { ...run, status };
    }
    if (current.status !== status) {
      status = current.status;
      if (status !== 'completed')
        await note(deps, r, { kind: 'run_status', run: { id: run.id, url: run.url }, status });
    }
    if (current.status === 'completed') {
      if (current.conclusion === 'success') {
        return {
          type: 'ServicesRolledBack',
          at: at(),
          results: [resultFor(r, where(cfg), 'rolled_back', null, `workflow run ${run.url} succeeded`)],
        };
      }
      const how = `workflow run ${run.url} concluded *${current.conclusion ?? 'without a conclusion'}*`;
      return {
        type: 'ExecutionFailed',
        at: at(),
        reason: `The ${how}. Open it for the failed job's logs.`,
        code: ErrorCode.WorkflowFailed,
        results: [resultFor(r, where(cfg), 'failed', await versionNow(deps, env), how, ErrorCode.WorkflowFailed)],
      };
    }
    if (Date.now() >= deadline) {
      const how = `workflow run ${run.url} was still ${status.replace(/_/g, ' ')} after Step 3's ${Math.round((cfg.timeout_ms ?? env.budgets.execute_ms) / 1000)} s`;
      return {
        type: 'ExecutionFailed',
        at: at(),
        reason: `The ${how}; the bot stopped following it and did not cancel it.`,
        code: ErrorCode.WorkflowTimeout,
        results: [resultFor(r, where(cfg), 'failed', await versionNow(deps, env), how, ErrorCode.WorkflowTimeout)],
      };
    }
    await sleep(cfg.poll_interval_ms);
  }
}

export const githubActionsStrategy: RollbackStrategy = {
  name: 'github-actions',
  config: githubActionsConfig,
  needs: ['probe', 'workflows'],
  ...githubActionsWords,

  async currentVersions(deps, r, env, opts) {
    return wholeEnvironmentNow(deps, r, where(cfgOf(env)), env, opts);
  },

  async inspect(deps, r, env, health) {
    return inspectWhole(r, where(cfgOf(env)), health, 'GitHub Actions workflow', 'Option C', () =>
      workflowsOf(deps, r).check(),
    );
  },

  async precheck(_deps, r, _env, target) {
    return unsafeArguments(r.environment, target);
  },

  async execute(deps, r, env) {
    const cfg = cfgOf(env);
    const w = workflowsOf(deps, r);
    const started = Date.now();
    const deadline = started + (cfg.timeout_ms ?? env.budgets.execute_ms);
    const fail = async (err: unknown, what: string): Promise<RollbackEvent> => {
      const reason = `${what}: ${describeError(err)}`;
      const code = isCoded(err) ? err.code : ErrorCode.WorkflowFailed;
      return {
        type: 'ExecutionFailed',
        at: nowIso(deps.clock),
        reason,
        code,
        results: [resultFor(r, where(cfg), 'failed', await versionNow(deps, env), describeError(err), code)],
      };
    };
    // After a restart: the run was recorded, so follow it rather than dispatch a second one.
    if (r.deployment?.kind === 'workflow') {
      return follow(
        deps,
        r,
        env,
        {
          id: r.deployment.runId,
          url: r.deployment.url,
          status: 'unknown',
          conclusion: null,
          createdAt: '',
          actor: null,
        },
        deadline,
      );
    }
    const refused = unsafeArguments(r.environment, r.target ?? '');
    if (refused)
      return fail(new RollbackBotError(ErrorCode.VersionInvalid, refused.reason), 'The workflow was not dispatched');

    const body = dispatchBody(r, env);
    let run: WorkflowRun | null;
    let known = new Set<number>();
    let actor: string | null = null;
    const since = new Date();
    try {
      // What existed before: a run we did not cause must never be mistaken for ours.
      [known, actor] = await Promise.all([
        w.recentRuns(new Date(since.getTime() - CLOCK_SLACK_MS)).then((runs) => new Set(runs.map((x) => x.id))),
        cfg.actor ? Promise.resolve(cfg.actor) : w.actor(),
      ]);
    } catch (err) {
      return fail(err, 'The workflow was not dispatched (nothing was started)');
    }
    let unclear: string | null = null;
    try {
      run = await w.dispatch(body.ref, body.inputs);
    } catch (err) {
      if (!MAYBE_STARTED(err)) return fail(err, 'The workflow was not dispatched (nothing was started)');
      // No clear answer: GitHub may have started the run anyway. Look for it rather than say "nothing was started".
      unclear = `the dispatch got no clear answer (${describeError(err)})`;
      await note(deps, r, { kind: 'dispatch_unclear', error: describeError(err) });
      run = null;
    }
    try {
      run ??= await correlate(
        w,
        since,
        known,
        actor,
        Math.min(deadline, Date.now() + APPEAR_MS),
        Math.min(cfg.poll_interval_ms, 2000),
      );
    } catch (err) {
      return unknownOutcome(
        deps,
        r,
        env,
        `${unclear ?? 'the workflow was dispatched'}, and its run could not be looked for (${describeError(err)})`,
      );
    }
    if (!run)
      return unknownOutcome(deps, r, env, `${unclear ?? 'the workflow was dispatched'}, and no new run of it appeared`);
    await recordDeployment(deps, r, { kind: 'workflow', runId: run.id, url: run.url });
    return follow(deps, r, env, run, deadline);
  },

  plan(r, env) {
    const cfg = cfgOf(env);
    return [
      `*Step 3* would dispatch the workflow \`${cfg.workflow}\` of \`${cfg.repo}\` (\`POST /repos/${cfg.repo}/actions/workflows/${cfg.workflow}/dispatches\`) with:`,
      `\`${JSON.stringify(dispatchBody(r, env))}\``,
      `and follow its run until it concludes (at most ${Math.round((cfg.timeout_ms ?? env.budgets.execute_ms) / 1000)} s).`,
    ];
  },

  /**
   * A recorded run can be followed again. A dispatch that may or may not have happened is never repeated: the bot
   * looks for a run of ours created since Step 3 began; found, it is recorded and followed; else the environment
   * stays locked until a person looks.
   */
  async resumeCheck(deps, r, env) {
    if (r.deployment?.kind === 'workflow') return null;
    const cfg = cfgOf(env);
    const w = workflowsOf(deps, r);
    const why = `the bot stopped during Step 3, before it recorded a workflow run: whether ${cfg.workflow} was dispatched is not known`;
    try {
      const since = new Date(Date.parse(r.steps.execute.startedAt ?? r.updatedAt) - CLOCK_SLACK_MS);
      const actor = cfg.actor ?? (await w.actor());
      const ours = (await w.recentRuns(since)).filter(
        (run) => actor === null || run.actor === null || run.actor === actor,
      );
      if (ours.length === 1)
        return {
          type: 'DeploymentStarted',
          at: nowIso(deps.clock),
          deployment: { kind: 'workflow', runId: ours[0].id, url: ours[0].url },
        };
      return unknownOutcome(deps, r, env, ours.length > 1 ? `${why} (${ours.length} candidate runs)` : why);
    } catch (err) {
      return unknownOutcome(deps, r, env, `${why} (GitHub could not be asked: ${describeError(err)})`);
    }
  },
};
