/**
 * What Options A and C share: they deploy the environment as a whole, so what runs is what its /health reports,
 * and the version goes to someone else's program, so it is checked against the version grammar first.
 */
import type { EnvironmentConfig } from '../../config/config.schema';
import { ENVIRONMENT_PATTERN, VERSION_PATTERN } from '../../domain/names';
import { describeError, ErrorCode, isCoded } from '../../domain/errors';
import type { Fact } from '../../domain/facts';
import type { Deployment, Rollback } from '../../domain/rollback';
import type { ProbeObservation, ServiceResult, ServiceVersion } from '../../domain/findings';
import { nowIso, type RunbookDeps } from '../engine/context';
import { tell } from '../policies/audience';
import { record } from '../engine/record';
import type { CurrentState } from './strategy';

export function wholeEnvironment(r: Rollback, where: string, health: ProbeObservation): ServiceVersion[] {
  return [{ service: r.environment, dockerService: where, version: health.version ?? null, previousVersion: null }];
}

/** Refuses a version or environment name that could be read as anything but one plain argument. */
export function unsafeArguments(environment: string, version: string): { reason: string; code: string } | null {
  if (!VERSION_PATTERN.test(version)) {
    return {
      reason: `The version ${JSON.stringify(version.slice(0, 140))} is not a plain version (letters, digits, . _ -, starting with a letter or digit): nothing was run.`,
      code: ErrorCode.VersionInvalid,
    };
  }
  if (!ENVIRONMENT_PATTERN.test(environment))
    return {
      reason: `The environment name ${JSON.stringify(environment)} is not plain: nothing was run.`,
      code: ErrorCode.VersionInvalid,
    };
  return null;
}

/** What /health says runs now: one look, for a failure report. */
export async function versionNow(deps: RunbookDeps, env: EnvironmentConfig): Promise<string | null> {
  const o = await deps.probe
    .probe(env.health.url, { attempts: 1, intervalMs: 0, timeoutMs: env.health.timeout_ms })
    .catch(() => null);
  return o?.version ?? null;
}

export function resultFor(
  r: Rollback,
  where: string,
  outcome: ServiceResult['outcome'],
  runningVersion: string | null,
  detail?: string,
  errorCode?: string,
): ServiceResult {
  const fromVersion = r.findings?.services.find((s) => s.service === r.environment)?.version ?? null;
  return {
    service: r.environment,
    dockerService: where,
    outcome,
    fromVersion,
    toVersion: r.target as string,
    runningVersion,
    detail,
    errorCode,
  };
}

/** Records what Step 3 started before following it, so that a restart knows; then says so in the thread. */
export async function recordDeployment(deps: RunbookDeps, r: Rollback, deployment: Deployment): Promise<void> {
  const event = { type: 'DeploymentStarted', at: nowIso(deps.clock), deployment } as const;
  const applied = await record(deps, r.id, event);
  if (!applied.ok) deps.log.warn({ rollbackId: r.id, rejection: applied.rejection }, 'deployment not recorded');
}

/** A threaded line that is not a state change (output, a run's status). */
export async function note(deps: RunbookDeps, r: Rollback, fact: Fact): Promise<void> {
  await tell(deps, (await deps.rollbacks.get(r.id)) ?? r, { type: 'Note', at: nowIso(deps.clock), fact });
}

/** For showing a command line (it is never run through a shell). */
export function shellWords(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Step 1 for a deploy script or workflow: what /health says runs, and whether the tooling answers `check`. */
export async function inspectWhole(
  r: Rollback,
  where: string,
  health: ProbeObservation,
  tool: string,
  option: string,
  check: () => Promise<string>,
): Promise<CurrentState> {
  const services = wholeEnvironment(r, where, health);
  try {
    return { services, tooling: [{ tool, ok: true, detail: await check() }], blocked: null };
  } catch (err) {
    const reason = describeError(err);
    return {
      services,
      tooling: [{ tool, ok: false, detail: reason }],
      blocked: { reason: `${option} cannot run: ${reason}`, code: isCoded(err) ? err.code : undefined },
    };
  }
}

export { WHOLE_ENVIRONMENT_NO_TARGET } from './strategy-words';

/** What runs now, for a strategy that deploys the environment as a whole: what /health says (when asked to look). */
export async function wholeEnvironmentNow(
  deps: RunbookDeps,
  r: Rollback,
  where: string,
  env: EnvironmentConfig,
  opts: { probe: boolean },
): Promise<ServiceVersion[]> {
  const version = opts.probe ? await versionNow(deps, env) : null;
  return [{ service: r.environment, dockerService: where, version, previousVersion: null }];
}
