/** The runbook's steps on the in-memory world: what each returns, from the evidence it is given. */
import { type Rollback } from '../../../../src/domain/rollback';
import { type RollbackEvent } from '../../../../src/domain/rollback.events';
import { transition } from '../../../../src/domain/rollback.transitions';
import { confirmIssue } from '../../../../src/runbook/steps/1-confirm';
import { executeRollback } from '../../../../src/runbook/steps/3-execute';
import { STRATEGY } from '../../../../src/runbook/strategies';
import { verifyRollback } from '../../../../src/runbook/steps/4-verify';
import {
  approvedEvents,
  draftRollback,
  healthyProbe,
  rollbackAfter,
  unitConfig,
  unitWorld,
} from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';

function at(status: 'confirming' | 'executing', extra: RollbackEvent[] = []): Rollback {
  const events = status === 'executing' ? approvedEvents(AT) : approvedEvents(AT).slice(0, 1);
  return rollbackAfter(draftRollback(AT), [...events, ...extra]);
}

describe('Step 1: confirm', () => {
  it("proposes Swarm's previous version and asks for approval", async () => {
    const w = unitWorld();
    const event = await confirmIssue(w.deps, at('confirming'));
    expect(event).toMatchObject({
      type: 'IssueConfirmed',
      findings: { target: 'v1', targetSource: 'swarm_previous_spec' },
    });
  });

  it('refuses a typed version nobody can pull as the requester’s mistake', async () => {
    const w = unitWorld();
    const event = await confirmIssue(w.deps, { ...at('confirming'), requestedTarget: 'nosuchtag' });
    expect(event).toMatchObject({ type: 'ConfirmationFailed', code: 'TARGET_UNAVAILABLE' });
  });

  it('changes nothing when every service already runs the target', async () => {
    const w = unitWorld();
    const event = await confirmIssue(w.deps, { ...at('confirming'), requestedTarget: 'v2' });
    expect(event).toMatchObject({
      type: 'ConfirmationFailed',
      reason: expect.stringContaining('Every service already runs v2'),
    });
    expect(w.runtime.updates).toEqual([]);
  });
});

describe('Steps 3 and 4', () => {
  it('rolls every service back once (the Docker strategy), then verifies the version /health reports', async () => {
    const w = unitWorld();
    const executing = at('executing', [
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
    ]);
    const executed = await executeRollback(w.deps, executing);
    expect(executed).toMatchObject({
      type: 'ServicesRolledBack',
      results: [
        { outcome: 'rolled_back', toVersion: 'v1' },
        { outcome: 'rolled_back', toVersion: 'v1' },
      ],
    });
    expect(w.runtime.updates).toEqual([
      { service: 'demo-backend', version: 'v1' },
      { service: 'demo-frontend', version: 'v1' },
    ]);
    const verifying = transition(executing, executed);
    if (!verifying.ok) throw new Error('rejected');
    expect(await verifyRollback(w.deps, verifying.state)).toMatchObject({ type: 'RollbackVerified' });
    w.deps.probe = healthyProbe('v2');
    expect(await verifyRollback(w.deps, verifying.state)).toMatchObject({
      type: 'VerificationFailed',
      reason: expect.stringContaining('health reports version v2 instead of v1'),
    });
  });
});

describe('Step 3 (the Docker strategy) records what it replaced', () => {
  it('names in its results the version each service ran when Step 3 began, not the one on the card', async () => {
    const w = unitWorld();
    const executing = at('executing', [
      { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
    ]);
    // Someone deployed v3 after the card was approved (the hands-on watcher interrupts a few seconds later): Step 3
    // moved production away from v3, and the guard against proposing it again must know.
    w.runtime.deployByHand('v3');
    const executed = await executeRollback(w.deps, executing);
    expect(executed).toMatchObject({
      type: 'ServicesRolledBack',
      results: [
        { service: 'backend', fromVersion: 'v3', toVersion: 'v1' },
        { service: 'frontend', fromVersion: 'v3', toVersion: 'v1' },
      ],
    });
  });
});

describe('the Docker strategy after a restart', () => {
  it('goes on when every service runs its old version or the target, and stops when someone else changed one', async () => {
    const w = unitWorld(unitConfig());
    const r = at('executing', [{ type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } }]);
    const env = w.deps.config.environments.production;
    expect(await STRATEGY.docker.resumeCheck(w.deps, r, env)).toBeNull();
    w.runtime.deployByHand('v3');
    expect(await STRATEGY.docker.resumeCheck(w.deps, r, env)).toMatchObject({
      type: 'RollbackInterrupted',
      reason: expect.stringContaining('backend runs v3, neither v2 nor v1'),
    });
  });

  it('talks about itself in its own words, with the commands to finish by hand', () => {
    const r = at('executing');
    expect(STRATEGY.docker.words.option).toBe('Docker Swarm');
    expect(
      STRATEGY.docker.manualRecovery(r, [
        {
          service: 'backend',
          dockerService: 'demo-backend',
          outcome: 'failed',
          fromVersion: 'v2',
          toVersion: 'v1',
          runningVersion: 'v2',
        },
      ])[1],
    ).toBe('• To finish by hand (runbook Step 3, Option B): `docker service update --image <image>:v1 demo-backend`.');
  });
});
