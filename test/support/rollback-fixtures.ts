/** The rollback the Block Kit specs draw: awaiting approval, with Step 1's findings (one service, health failing). */
import { newRollback, type Rollback } from '../../src/domain/rollback';

export const AT = '2026-11-26T10:00:00.000Z';
const requested = newRollback({
  id: 'rb-abc123',
  environment: 'production',
  channel: 'C0INCIDENT',
  requestedBy: 'U0ONCALL',
  at: AT,
  reason: 'error rate 12%',
  requestedTarget: null,
});
export const awaiting: Rollback = {
  ...requested,
  status: 'awaiting_approval',
  target: 'v1',
  findings: {
    health: { url: 'http://h/health', ok: false, attempts: 5, status: 500 },
    ready: { url: 'http://h/ready', ok: true, attempts: 1, status: 200, body: '{"ready":true}' },
    services: [{ service: 'backend', dockerService: 'app-backend', version: 'v2', previousVersion: 'v1' }],
    target: 'v1',
    targetSource: 'swarm_previous_spec',
    targetNote: '',
  },
  steps: { ...requested.steps, confirm: { status: 'done', startedAt: AT, endedAt: '2026-11-26T10:00:03.200Z' } },
};
