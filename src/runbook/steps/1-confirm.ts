/**
 * Step 1: Confirm the issue (2 minutes max).
 * Health and readiness, what runs now (Docker's services; or, for a deploy script or workflow, what /health reports),
 * whether the rollback tooling answers, and the version to roll back to.
 * Read-only: nothing here changes production, so it is safe to run again after a restart.
 */
import { type Rollback, versionsLeft } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import { type Findings, type ProbeObservation, type ServiceVersion, type TargetSource } from '../../domain/findings';
import { environmentOf, nowIso, type RunbookDeps } from '../engine/context';
import type { DeployReport } from '../../ports';
import type { EnvironmentConfig } from '../../config/config.schema';
import {
  consecutiveFailures,
  detectMigrations,
  evaluateEnvironment,
  type ReportedCommits,
  runningOtherThan,
} from '../reports/evidence';
import { humanUtc } from '../../domain/time';
import { strategyFor } from '../strategies';

type Proposal = {
  target: string | null;
  source: TargetSource | null;
  note: string;
  /** A target named with `to` that a rollback since the last clearing moved production away from. */
  rolledBackFrom?: NonNullable<Findings['rolledBackFrom']>;
};

export async function confirmIssue(deps: RunbookDeps, rollback: Rollback): Promise<RollbackEvent> {
  const env = environmentOf(deps.config, rollback);
  const option = strategyFor(rollback);
  const { health } = env;

  const [healthObs, readyObs] = await Promise.all([
    deps.probe.probe(health.url, {
      attempts: health.retries,
      intervalMs: health.interval_ms,
      timeoutMs: health.timeout_ms,
    }),
    health.ready_url
      ? deps.probe.probe(health.ready_url, { attempts: 1, intervalMs: 0, timeoutMs: health.timeout_ms })
      : Promise.resolve<ProbeObservation | null>(null),
  ]);
  const [current, criteria] = await Promise.all([
    option.inspect(deps, rollback, env, healthObs),
    evaluateEnvironment(deps, rollback.environment, env, consecutiveFailures(healthObs)),
  ]);
  const { services, tooling } = current;
  const partial = (p: Proposal): Findings => ({
    health: healthObs,
    ready: readyObs,
    services,
    target: p.target,
    targetSource: p.source,
    targetNote: p.note,
    criteria,
    tooling,
    ...(p.rolledBackFrom ? { rolledBackFrom: p.rolledBackFrom } : {}),
  });
  const failed = (reason: string, findings: Findings, code?: string): RollbackEvent => ({
    type: 'ConfirmationFailed',
    at: nowIso(deps.clock),
    reason,
    code,
    findings,
  });

  if (current.blocked) {
    const none: Proposal = { target: null, source: null, note: 'not proposed: the rollback tooling could not be used' };
    return failed(current.blocked.reason, partial(none), current.blocked.code);
  }

  const proposal = await proposeTarget(deps, rollback, services);
  const findings = partial(proposal);
  const reports = await recentDeploys(deps, rollback.environment);
  const deploy = deployOf(reports, services);
  if (deploy) findings.deploy = deploy;
  if (proposal.target === null) {
    return failed(
      `No version to roll back to: ${proposal.note}. Start again naming one: \`/rollback ${rollback.environment} to <version> ${rollback.reason}\``,
      findings,
    );
  }
  const target = proposal.target;
  if (services.every((s) => s.version === target)) {
    return failed(
      `Every service already runs ${target}: rolling back to it would change nothing. Name an older version with \`to <version>\`.`,
      findings,
    );
  }

  const [blocked, migrations] = await Promise.all([
    option.precheck(deps, rollback, env, target),
    reportedCommits(deps, rollback.environment, env, services, target).then((commits) =>
      detectMigrations(deps, rollback.environment, env, services, target, commits),
    ),
  ]);
  if (migrations) findings.migrations = migrations;
  if (blocked) return failed(blocked.reason, findings, blocked.code);
  return { type: 'IssueConfirmed', at: nowIso(deps.clock), findings: { ...findings, target } };
}

/** CI's recent deploy reports of the environment, newest first ([] without any, or when they cannot be read). */
async function recentDeploys(deps: Pick<RunbookDeps, 'deploys' | 'log'>, environment: string) {
  if (!deps.deploys) return [];
  return deps.deploys.deploys(environment, 50).catch((err: unknown) => {
    deps.log.warn({ err, environment }, 'could not read the deploy reports');
    return [];
  });
}

/** How many distinct commits of one version are read: two already make the reports disagree. */
const COMMITS_READ = 5;

/**
 * Every commit CI reported for the target and for the running version the guard compares with — all of them, not
 * only the newest report's: one report must not be enough to make the compare X...X.
 */
async function reportedCommits(
  deps: Pick<RunbookDeps, 'deploys' | 'log'>,
  environment: string,
  env: EnvironmentConfig,
  services: ServiceVersion[],
  target: string,
): Promise<ReportedCommits> {
  const store = deps.deploys;
  if (!store || !env.migrations?.github) return { target: [], current: [] };
  const of = (version: string | null) =>
    version === null
      ? Promise.resolve([])
      : store.deployedCommits(environment, version, COMMITS_READ).catch((err: unknown) => {
          deps.log.warn({ err, environment, version }, 'could not read the commits CI reported');
          return [];
        });
  const [t, c] = await Promise.all([of(target), of(runningOtherThan(services, target))]);
  return { target: t, current: c };
}

/** The reported deploy of what runs now (the newest accepted report of a version a service runs), if CI reported it. */
function deployOf(reports: DeployReport[], services: ServiceVersion[]): Findings['deploy'] | null {
  const running = new Set(services.map((s) => s.version));
  const r = reports.find((d) => d.accepted && running.has(d.version));
  return r ? { version: r.version, at: r.at, actor: r.actor, url: r.url, commit: r.commit } : null;
}

/**
 * `to <version>` if given (flagged when a rollback since the environment's mark was last cleared moved production away
 * from it); else the tag in every service's Swarm PreviousSpec (when they agree); else the last version this bot
 * verified healthy for every service (when they agree); else CI's previous deploy; else none. Never, from any of
 * these, a version that a rollback since the last clearing moved away from, however it ended: a failed one's own
 * update put the bad version in Swarm's PreviousSpec.
 */
export async function proposeTarget(
  deps: Pick<RunbookDeps, 'rollbacks' | 'verified' | 'deploys'>,
  rollback: Rollback,
  services: ServiceVersion[],
): Promise<Proposal> {
  const left = await versionsLeftIn(deps, rollback.environment);
  if (rollback.requestedTarget) {
    const undone = left.get(rollback.requestedTarget);
    return {
      target: rollback.requestedTarget,
      source: 'requested',
      note: 'named in the request',
      ...(undone ? { rolledBackFrom: { rollbackId: undone.id, status: undone.status } } : {}),
    };
  }
  // Why a source's version was passed over, said when nothing else is found.
  let skipped: string | null = null;
  const usable = (value: string | null, what: string): string | null => {
    const undone = value === null ? undefined : left.get(value);
    if (!undone) return value;
    skipped ??= `${what} is ${value}, the version rollback ${undone.id} moved away from; name a version with \`to <version>\``;
    return null;
  };

  const previous = agreed(services.map((s) => s.previousVersion));
  const fromSwarm = usable(previous.value, "Swarm's previous spec");
  if (fromSwarm) return { target: fromSwarm, source: 'swarm_previous_spec', note: "the tag in Swarm's PreviousSpec" };
  // Swarm's PreviousSpec is the bad version (a rollback's own update put it there): what to go to instead is a
  // person's call, not an older guess.
  if (skipped) return { target: null, source: null, note: skipped };

  const verified = agreed(
    await Promise.all(services.map((s) => deps.verified.lastVerifiedVersion(rollback.environment, s.service))),
  );
  const fromBot = usable(verified.value, 'the last version this bot verified healthy');
  if (fromBot) return { target: fromBot, source: 'last_verified', note: 'the last version this bot verified healthy' };

  // CI's reports (POST /api/v1/deployments): the last deploy before the one running now that the bot saw healthy
  // (else the one just before it), unless a rollback left it.
  const reported = await previousDeploy(deps, rollback.environment, agreed(services.map((s) => s.version)).value, left);
  if (reported)
    return {
      target: reported.version,
      source: 'previous_deploy',
      note: reported.seenHealthy
        ? `the last deploy before ${reported.current} that the bot saw healthy (${humanUtc(reported.seenHealthy)}), as CI reported it`
        : `the deploy before ${reported.current}, as CI reported it (the bot never saw it healthy: check it is good)`,
    };

  const why =
    skipped ??
    (previous.disagree || verified.disagree
      ? `the services disagree on their previous version (${services.map((s) => `${s.service}: ${s.previousVersion ?? 'none'}`).join(', ')})`
      : strategyFor(rollback).words.noTarget);
  return { target: null, source: null, note: why };
}

/**
 * The version CI reported deploying before the current one (`current`, else its newest report), skipping one a
 * rollback since the last clearing moved away from (`left`): the newest one the bot saw healthy (its close watch, or
 * a rollback's Step 4), else the newest. Null without reports, or when they cannot be read.
 */
async function previousDeploy(
  deps: Pick<RunbookDeps, 'deploys'>,
  environment: string,
  running: string | null,
  left: ReadonlyMap<string, Rollback>,
): Promise<{ version: string; current: string; seenHealthy: string | null } | null> {
  if (!deps.deploys) return null;
  const reports = await deps.deploys.deploys(environment, 50).catch(() => []);
  const accepted = reports.filter((r) => r.accepted);
  const current = running ?? accepted[0]?.version;
  if (!current) return null;
  // Only the deploys before the newest one of what runs now.
  const since = accepted.findIndex((r) => r.version === current);
  const before = since >= 0 ? accepted.slice(since + 1) : accepted;
  let newest: { version: string; current: string; seenHealthy: string | null } | null = null;
  for (const r of before) {
    if (r.version === current || left.has(r.version)) continue;
    if (r.verifiedAt) return { version: r.version, current, seenHealthy: r.verifiedAt };
    newest ??= { version: r.version, current, seenHealthy: null };
  }
  return newest;
}

/** The one value all agree on (null when they differ or one is unknown), and whether two known ones differ. */
export function agreed(values: (string | null)[]): { value: string | null; disagree: boolean } {
  const distinct = new Set(values);
  if (distinct.size === 1 && values[0] !== null) return { value: values[0], disagree: false };
  return { value: null, disagree: [...distinct].filter((v) => v !== null).length > 1 };
}

/**
 * Each version a rollback since the environment's mark was last cleared moved production away from, with the newest
 * rollback that did (whatever its final state: once Step 3 started, it may have).
 */
async function versionsLeftIn(
  deps: Pick<RunbookDeps, 'rollbacks'>,
  environment: string,
): Promise<ReadonlyMap<string, Rollback>> {
  const left = new Map<string, Rollback>();
  for (const r of await deps.rollbacks.marks(environment))
    for (const version of versionsLeft(r)) if (!left.has(version)) left.set(version, r);
  return left;
}
