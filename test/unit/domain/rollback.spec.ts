import { newRollback, versionsLeft } from '../../../src/domain/rollback';

const AT = '2026-11-26T10:00:00.000Z';
const findings = {
  health: { url: 'http://h/health', ok: false, attempts: 5, status: 500 },
  ready: null,
  services: [{ service: 'backend', dockerService: 'app-backend', version: 'v2', previousVersion: 'v1' }],
  target: 'v1',
  targetSource: 'swarm_previous_spec' as const,
  targetNote: 'PreviousSpec',
};
const draft = newRollback({
  id: 'rb-1',
  environment: 'production',
  channel: 'C1',
  requestedBy: 'U0ONCALL',
  at: AT,
  reason: 'errors',
  requestedTarget: null,
});
/** An interrupted rollback whose Step 3 started. */
const inState = (status: 'interrupted') => ({
  ...draft,
  status,
  steps: { ...draft.steps, execute: { status: 'failed' as const, startedAt: AT } },
});

describe('versionsLeft()', () => {
  it('counts as moved away from what Step 3 recorded it was about to replace, even when it never reported', () => {
    // Step 1 saw v2; someone deployed v3 before Step 3, which recorded v3 and updated it, then the bot stopped.
    const r = {
      ...inState('interrupted'),
      findings,
      target: 'v1',
      deployment: {
        kind: 'docker' as const,
        services: [{ service: 'backend', dockerService: 'app-backend', fromVersion: 'v3', specVersion: 7 }],
      },
    };
    expect(versionsLeft(r)).toEqual(['v2', 'v3']);
  });
});
