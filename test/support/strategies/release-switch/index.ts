/**
 * A fourth strategy that lives only under test/: it rolls back by pointing a release switch (a port of its own, which
 * the strategy closes over) at the target version. It proves that a strategy is its folder and one registration line:
 * nothing in src/ names it.
 */
import type { EnvironmentConfig } from '../../../../src/config/config.schema';
import { nowIso } from '../../../../src/runbook/engine/context';
import type { RollbackStrategy } from '../../../../src/runbook/strategies';
import { type ReleaseSwitchConfig, releaseSwitchConfig } from './config';
import { releaseSwitchWords } from './words';

/** The outside world this strategy needs: a release service that says and sets which version a switch serves. */
export interface ReleaseSwitches {
  serving(switchName: string): Promise<{ version: string; previous: string | null }>;
  pointAt(switchName: string, version: string): Promise<void>;
}

const settings = (env: EnvironmentConfig): ReleaseSwitchConfig =>
  (env as unknown as Record<string, ReleaseSwitchConfig>)[releaseSwitchConfig.key];

export function releaseSwitchStrategy(switches: ReleaseSwitches): RollbackStrategy {
  const read = async (r: { environment: string }, env: EnvironmentConfig) => {
    const { switch: name } = settings(env);
    const now = await switches.serving(name).catch(() => null);
    return [
      {
        service: r.environment,
        dockerService: name,
        version: now?.version ?? null,
        previousVersion: now?.previous ?? null,
      },
    ];
  };
  return {
    ...releaseSwitchWords,
    name: 'release-switch',
    config: releaseSwitchConfig,
    needs: ['probe'],
    currentVersions: (_deps, r, env) => read(r, env),
    async inspect(_deps, r, env) {
      const services = await read(r, env);
      const ok = services[0].version !== null;
      return {
        services,
        tooling: [{ tool: 'release service', ok, detail: ok ? 'answers' : 'does not answer' }],
        blocked: ok ? null : { reason: 'the release service does not answer' },
      };
    },
    precheck: async () => null,
    async execute(deps, r, env) {
      const { switch: name } = settings(env);
      const target = r.target as string;
      const fromVersion = r.findings?.services[0]?.version ?? null;
      await switches.pointAt(name, target);
      return {
        type: 'ServicesRolledBack',
        at: nowIso(deps.clock),
        results: [
          {
            service: r.environment,
            dockerService: name,
            outcome: 'rolled_back',
            fromVersion,
            toVersion: target,
            runningVersion: target,
          },
        ],
      };
    },
    plan: (r, env) => [
      `*Step 3* would point the release switch \`${settings(env).switch}\` at \`${r.target ?? 'unknown'}\`.`,
    ],
    resumeCheck: async () => null,
  };
}
