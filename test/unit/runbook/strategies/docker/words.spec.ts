/** How Option B is talked about: the card's and thread's words, and the advice when Step 3 needs a hand. */
import type { ServiceResult } from '../../../../../src/domain/findings';
import type { Rollback } from '../../../../../src/domain/rollback';
import { dockerWords } from '../../../../../src/runbook/strategies/docker/words';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const approved: Rollback = rollbackAfter(draftRollback(AT), approvedEvents(AT));

const failedOn = (dockerService: string, toVersion: string): ServiceResult => ({
  service: dockerService.replace('demo-', ''),
  dockerService,
  outcome: 'failed',
  fromVersion: 'v2',
  toVersion,
  runningVersion: 'v2',
});

describe("Docker Swarm's words", () => {
  it('names Docker where the card and thread name the option, and says why Swarm may have nothing to propose', () => {
    expect(dockerWords.words).toMatchObject({ option: 'Docker Swarm', versions: 'Deployed versions (Docker)' });
    expect(dockerWords.words.noTarget).toMatch(/^Swarm kept no previous spec/);
  });

  it('words the updates Step 3 starts, and how to finish by hand', () => {
    const started = {
      kind: 'docker' as const,
      services: [{ service: 'backend', dockerService: 'demo-backend', fromVersion: null, specVersion: 3 }],
    };
    expect(dockerWords.deploymentStarted?.(started)).toEqual([
      ':gear: Updating backend (`demo-backend`, now `unknown`).',
    ]);
    expect(dockerWords.deploymentStarted?.({ kind: 'workflow', runId: 1, url: 'https://x.invalid' })).toBeNull();
    expect(dockerWords.manualRecovery({} as Rollback, [failedOn('demo-frontend', 'v1')])[1]).toBe(
      '• To finish by hand (runbook Step 3, Option B): `docker service update --image <image>:v1 demo-frontend`.',
    );
  });

  it('gives one command per service left, and says when none is', () => {
    const lines = dockerWords.manualRecovery(approved, [
      failedOn('demo-backend', 'v1'),
      failedOn('demo-frontend', 'v1'),
    ]);
    expect(lines[0]).toContain('`docker service ps <service>`');
    expect(lines[1]).toBe(
      '• To finish by hand (runbook Step 3, Option B): `docker service update --image <image>:v1 demo-backend`, `docker service update --image <image>:v1 demo-frontend`.',
    );
    expect(dockerWords.manualRecovery(approved, [])[1]).toBe(
      '• To finish by hand (runbook Step 3, Option B): no service left.',
    );
  });

  it("after an interruption or a failed check, says what Docker reports and points at the runbook's steps", () => {
    expect(dockerWords.interruptedNextSteps(approved)).toContain("(the runbook's Step 3, Option B)");
    expect(dockerWords.verifyFailedState(approved)).toBe(
      'Docker reports the services on `v1`, but the checks did not pass.',
    );
  });
});
