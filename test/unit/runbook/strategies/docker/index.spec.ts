/** Option B on the in-memory world: the simulated swarm (both services on v2, v1 in their PreviousSpec). */
import { ErrorCode } from '../../../../../src/domain/errors';
import type { Rollback } from '../../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../../src/domain/rollback.events';
import { STRATEGY } from '../../../../../src/runbook/strategies';
import { approvedEvents, draftRollback, rollbackAfter, unitConfig, unitWorld } from '../../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const docker = STRATEGY.docker;
const health = { url: 'http://health.invalid/health', ok: true, attempts: 1, status: 200, version: 'v2' };

async function world(target = 'v1', requestedTarget: string | null = null) {
  const config = unitConfig({ docker: { convergence_timeout_ms: 5000 } });
  const w = unitWorld(config);
  const events: RollbackEvent[] = [
    ...approvedEvents(AT),
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
  ];
  const r: Rollback = { ...rollbackAfter(draftRollback(AT, { requestedTarget }), events), target };
  const created = await w.store.create(r);
  if (!created.ok) throw new Error('not created');
  return { w, r, env: config.environments.production };
}

describe('the Docker Swarm strategy (Option B)', () => {
  it('is registered as docker, rolls back service by service and needs the container runtime only', () => {
    expect(docker).toMatchObject({ name: 'docker', needs: ['runtime'] });
    expect(docker.config).toMatchObject({ key: 'docker', perService: true, imageLabels: true });
  });

  it('Step 1 reads each service and the engine; a service Docker cannot read blocks, naming it', async () => {
    const { w, r, env } = await world();
    expect(await docker.inspect(w.deps, r, env, health)).toEqual({
      services: [
        { service: 'backend', dockerService: 'demo-backend', version: 'v2', previousVersion: 'v1' },
        { service: 'frontend', dockerService: 'demo-frontend', version: 'v2', previousVersion: 'v1' },
      ],
      tooling: [{ tool: 'Docker engine', ok: true, detail: 'simulated Docker engine (playground)' }],
      blocked: null,
    });
    w.runtime.services.delete('demo-frontend');
    const state = await docker.inspect(w.deps, r, env, health);
    expect(state.services[1]).toMatchObject({ service: 'frontend', version: null, previousVersion: null });
    expect(state.blocked).toEqual({
      reason: 'Docker could not tell what runs: frontend (`demo-frontend`): service demo-frontend not found',
      code: ErrorCode.ServiceNotFound,
    });
    // Read without Step 1's rules: an unreadable service is an unknown version, not an error.
    expect((await docker.currentVersions(w.deps, r, env, { probe: false }))[1].version).toBeNull();
  });

  it('prechecks the target by pulling it: a tag the requester named that does not exist is their mistake', async () => {
    const { w, r, env } = await world('v1');
    expect(await docker.precheck(w.deps, r, env, 'v1')).toBeNull();
    const named = (await world('v9', 'v9')).r;
    expect(await docker.precheck(w.deps, named, env, 'v9')).toMatchObject({
      reason: expect.stringMatching(/^The version you named, v9, cannot be pulled .*Check the tag/),
      code: ErrorCode.TargetUnavailable,
    });
    expect(await docker.precheck(w.deps, r, env, 'v9')).toMatchObject({
      reason: expect.stringMatching(/^The target image cannot be pulled: /),
      code: ErrorCode.ImagePullFailed,
    });
  });

  it('Step 3 records what each service ran before its update, then rolls every service to the target', async () => {
    const { w, r, env } = await world();
    const event = await docker.execute(w.deps, r, env);
    expect(event).toMatchObject({
      type: 'ServicesRolledBack',
      results: [
        { service: 'backend', outcome: 'rolled_back', fromVersion: 'v2', toVersion: 'v1', runningVersion: 'v1' },
        { service: 'frontend', outcome: 'rolled_back', fromVersion: 'v2', toVersion: 'v1', runningVersion: 'v1' },
      ],
    });
    const stored = await w.store.get(r.id);
    expect(stored?.deployment).toEqual({
      kind: 'docker',
      services: [
        { service: 'backend', dockerService: 'demo-backend', fromVersion: 'v2', specVersion: expect.any(Number) },
        { service: 'frontend', dockerService: 'demo-frontend', fromVersion: 'v2', specVersion: expect.any(Number) },
      ],
    });
    expect(w.runtime.changes).toEqual([
      { service: 'demo-backend', version: 'v1' },
      { service: 'demo-frontend', version: 'v1' },
    ]);
  });

  it('says what each service runs when one update fails (partial), and when all fail', async () => {
    const { w, r, env } = await world();
    const roll = w.runtime.rollServiceTo.bind(w.runtime);
    w.runtime.rollServiceTo = (name, image, version, o) =>
      name === 'demo-frontend' ? Promise.reject(new Error('update paused')) : roll(name, image, version, o);
    expect(await docker.execute(w.deps, r, env)).toMatchObject({
      type: 'ExecutionFailed',
      reason: 'Partial rollback: backend is on v1; frontend failed (update paused) and runs v2',
      results: [{ outcome: 'rolled_back' }, { outcome: 'failed', runningVersion: 'v2', detail: 'update paused' }],
    });
    w.runtime.rollServiceTo = () => Promise.reject(new Error('engine gone'));
    expect(await docker.execute(w.deps, r, env)).toMatchObject({
      type: 'ExecutionFailed',
      reason: 'No service was rolled back: backend: engine gone; frontend: engine gone',
    });
  });

  it('plans the dry run: each image from what Step 1 found to the target, and the wait', async () => {
    const { r, env } = await world();
    expect(docker.plan(r, env)).toEqual([
      '*Step 3* would run `docker service update --image …` (wait up to 5 s for Swarm):',
      expect.stringMatching(/^• backend \(`demo-backend`\): `.+:v2` → `.+:v1`$/),
      expect.stringMatching(/^• frontend \(`demo-frontend`\): `.+:v2` → `.+:v1`$/),
    ]);
  });

  it('after a restart, goes on unless production runs a version neither before nor target', async () => {
    const { w, r, env } = await world();
    expect(await docker.resumeCheck(w.deps, r, env)).toBeNull();
    w.runtime.deployByHand('v3');
    expect(await docker.resumeCheck(w.deps, r, env)).toMatchObject({
      type: 'RollbackInterrupted',
      reason: expect.stringContaining('backend runs v3, neither v2 nor v1'),
    });
  });
});
