/**
 * Option B: Docker Swarm. Every service of the environment is pointed at the target image; the services are one
 * unit, so the result says what each one runs now when any of them fails.
 */
import type { EnvironmentConfig } from '../../../config/config.schema';
import { describeError, ErrorCode, isCoded } from '../../../domain/errors';
import type { ServiceResult, ServiceVersion } from '../../../domain/findings';
import type { DockerUpdateStart, Rollback } from '../../../domain/rollback';
import { nowIso, type RunbookDeps } from '../../engine/context';
import { record } from '../../engine/record';
import { dockerConfig } from '../../../config/strategies/docker.config';
import type { RollbackStrategy } from '../strategy';
import { dockerWords } from './words';

/** What a registry says of a tag it does not have (as opposed to being unreachable). */
const NOT_THERE = /manifest unknown|not found|does not exist|unknown tag|no such|name unknown/i;

export const dockerStrategy: RollbackStrategy = {
  name: 'docker',
  config: dockerConfig,
  needs: ['runtime'],
  ...dockerWords,

  async currentVersions(deps, _r, env) {
    return Promise.all(
      env.services.map(async (s) => {
        const running = await deps.runtime.inspectService(s.docker_service).catch(() => null);
        return {
          service: s.name,
          dockerService: s.docker_service,
          version: running?.version ?? null,
          previousVersion: running?.previousVersion ?? null,
        };
      }),
    );
  },

  async inspect(deps, _r, env) {
    const [inspected, tooling] = await Promise.all([
      Promise.allSettled(env.services.map((s) => deps.runtime.inspectService(s.docker_service))),
      deps.runtime.ping().then(
        (detail) => [{ tool: 'Docker engine', ok: true, detail }],
        (err: unknown) => [{ tool: 'Docker engine', ok: false, detail: describeError(err) }],
      ),
    ]);
    const services: ServiceVersion[] = env.services.map((s, i) => {
      const r = inspected[i];
      return {
        service: s.name,
        dockerService: s.docker_service,
        version: r.status === 'fulfilled' ? r.value.version : null,
        previousVersion: r.status === 'fulfilled' ? r.value.previousVersion : null,
      };
    });
    const unreadable = inspected.flatMap((r, i) =>
      r.status === 'rejected' ? [{ service: env.services[i], error: r.reason as unknown }] : [],
    );
    if (unreadable.length === 0) return { services, tooling, blocked: null };
    const lines = unreadable.map(
      (u) => `${u.service.name} (\`${u.service.docker_service}\`): ${describeError(u.error)}`,
    );
    const code = isCoded(unreadable[0].error) ? unreadable[0].error.code : undefined;
    return { services, tooling, blocked: { reason: `Docker could not tell what runs: ${lines.join('; ')}`, code } };
  },

  // The runbook pulls the previous images first; doing it before approval means a missing image is found now,
  // not halfway through the rollback.
  async precheck(deps, r, env, target) {
    const pulls = await Promise.allSettled(env.services.map((s) => deps.runtime.ensureImage(s.image, target)));
    const unpullable = pulls.flatMap((p, i) =>
      p.status === 'rejected' ? [`${env.services[i].image}:${target}: ${describeError(p.reason)}`] : [],
    );
    if (unpullable.length === 0) return null;
    const first = pulls.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    // A version the requester typed that the registry does not have is their mistake: say so to them, page no one.
    if (r.requestedTarget === target && unpullable.every((u) => NOT_THERE.test(u))) {
      return {
        reason: `The version you named, ${target}, cannot be pulled (${unpullable.join('; ')}). Check the tag, or leave it out and the bot proposes one.`,
        code: ErrorCode.TargetUnavailable,
      };
    }
    return {
      reason: `The target image cannot be pulled: ${unpullable.join('; ')}`,
      code: isCoded(first?.reason) ? first.reason.code : undefined,
    };
  },

  async execute(deps, rollback, env) {
    const target = rollback.target as string;
    const started = await startOf(deps, rollback, env);
    const results: ServiceResult[] = await Promise.all(
      env.services.map(async (s): Promise<ServiceResult> => {
        const base = {
          service: s.name,
          dockerService: s.docker_service,
          fromVersion: started.get(s.name)?.fromVersion ?? null,
          toVersion: target,
        };
        try {
          await deps.runtime.rollServiceTo(s.docker_service, s.image, target, {
            timeoutMs: env.docker.convergence_timeout_ms,
            signal: deps.signal,
          });
          return { ...base, outcome: 'rolled_back', runningVersion: target };
        } catch (err) {
          deps.log.warn(
            { err, service: s.docker_service, code: isCoded(err) ? err.code : undefined },
            'service rollback failed',
          );
          const running = await deps.runtime.inspectService(s.docker_service).then(
            (r) => r.version,
            () => null,
          );
          return {
            ...base,
            outcome: 'failed',
            runningVersion: running,
            detail: describeError(err),
            errorCode: isCoded(err) ? err.code : undefined,
          };
        }
      }),
    );
    const failed = results.filter((r) => r.outcome === 'failed');
    if (failed.length === 0) return { type: 'ServicesRolledBack', at: nowIso(deps.clock), results };
    const reason =
      failed.length === results.length
        ? `No service was rolled back: ${failed.map((f) => `${f.service}: ${f.detail}`).join('; ')}`
        : `Partial rollback: ${results.map((r) => `${r.service} ${r.outcome === 'rolled_back' ? `is on ${target}` : `failed (${r.detail}) and runs ${r.runningVersion ?? 'an unknown version'}`}`).join('; ')}`;
    return { type: 'ExecutionFailed', at: nowIso(deps.clock), reason, code: failed[0].errorCode, results };
  },

  plan(r, env) {
    const target = r.target ?? 'unknown';
    const before = new Map((r.findings?.services ?? []).map((s) => [s.service, s.version]));
    return [
      `*Step 3* would run \`docker service update --image …\` (wait up to ${Math.round(env.docker.convergence_timeout_ms / 1000)} s for Swarm):`,
      ...env.services.map(
        (s) =>
          `• ${s.name} (\`${s.docker_service}\`): \`${s.image}:${before.get(s.name) ?? '?'}\` → \`${s.image}:${target}\``,
      ),
    ];
  },

  /**
   * Going on is safe when every service runs the target, or runs the version it ran before and was not touched
   * since Step 3 recorded it was about to update it. A service back on its old version whose spec changed since then
   * was updated and undone (by hand, or by Swarm's `failure_action: rollback`: the versions alone look exactly as
   * before the rollback): updating it again would work against whoever undid it. Anything else means someone or
   * something else changed production meanwhile. Either way: stop and say so.
   */
  async resumeCheck(deps, r, env) {
    const before = new Map((r.findings?.services ?? []).map((s) => [s.service, s.version]));
    const started = new Map((r.deployment?.kind === 'docker' ? r.deployment.services : []).map((s) => [s.service, s]));
    const now = await Promise.all(
      env.services.map(async (s) => {
        const running = await deps.runtime.inspectService(s.docker_service).then(
          (x) => x,
          () => null,
        );
        return {
          service: s.name,
          dockerService: s.docker_service,
          version: running?.version ?? null,
          previousVersion: running?.previousVersion ?? null,
          specVersion: running?.specVersion ?? null,
          readable: running !== null,
        };
      }),
    );
    // Docker not answering is not evidence of interference: Step 3 will report it.
    const why = now.flatMap((s): string[] => {
      if (!s.readable || s.version === r.target) return [];
      if (s.version !== before.get(s.service))
        return [
          `${s.service} runs ${s.version ?? 'no tagged image'}, neither ${before.get(s.service) ?? 'its previous version'} nor ${r.target}`,
        ];
      const start = started.get(s.service);
      if (!start || start.specVersion === null || s.specVersion === null || s.specVersion === start.specVersion)
        return [];
      return [
        `${s.service} runs ${s.version} again: the bot's update to ${r.target} was applied, then undone (by hand, or by Swarm's update_config.failure_action: rollback; Swarm's spec of \`${s.dockerService}\` changed since the update began, version ${start.specVersion} → ${s.specVersion}, PreviousSpec ${s.previousVersion ?? 'none'}), and the bot does not update it a second time`,
      ];
    });
    if (why.length === 0) return null;
    return {
      type: 'RollbackInterrupted',
      at: nowIso(deps.clock),
      reason: `the bot stopped during Step 3 and production changed meanwhile: ${why.join('; ')}`,
      services: now.map(({ readable: _, specVersion: __, ...s }) => s),
    };
  },
};

/**
 * What each service runs right before Step 3's first update call, recorded (once: a resumed Step 3 keeps what the
 * first one found) so that the results name what Step 3 really replaced and a restart can tell whether Swarm took
 * the update. A store that cannot record it does not hold the rollback up: it goes on, and a restart then judges by
 * the versions alone.
 */
async function startOf(
  deps: RunbookDeps,
  r: Rollback,
  env: EnvironmentConfig,
): Promise<Map<string, DockerUpdateStart>> {
  if (r.deployment?.kind === 'docker') return new Map(r.deployment.services.map((s) => [s.service, s]));
  const before = new Map((r.findings?.services ?? []).map((s) => [s.service, s.version]));
  const services = await Promise.all(
    env.services.map(async (s): Promise<DockerUpdateStart> => {
      const running = await deps.runtime.inspectService(s.docker_service).catch(() => null);
      return {
        service: s.name,
        dockerService: s.docker_service,
        // Unreadable now: Step 1's reading is the best there is.
        fromVersion: running ? running.version : (before.get(s.name) ?? null),
        specVersion: running?.specVersion ?? null,
      };
    }),
  );
  const event = {
    type: 'DeploymentStarted',
    at: nowIso(deps.clock),
    deployment: { kind: 'docker', services },
  } as const;
  // Bookkeeping: the thread hears of Step 3 through its result.
  const recorded = await record(deps, r.id, event, { tell: false }).catch((err: unknown) => ({
    ok: false as const,
    rejection: { code: 'CONFLICT' as const, message: describeError(err) },
  }));
  if (!recorded.ok)
    deps.log.warn({ rollbackId: r.id, rejection: recorded.rejection }, 'could not record the updates Step 3 starts');
  return new Map(services.map((s) => [s.service, s]));
}
