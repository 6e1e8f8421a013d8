import { announceText, completionText, currentVersionOf } from '../../../src/domain/templates';

describe('the runbook templates', () => {
  it('announces a rollback line by line, in the runbook’s words', () => {
    expect(
      announceText({
        environment: 'production',
        currentVersion: 'abc123',
        targetVersion: 'def456',
        reason: 'error rate 12%',
        eta: '5-10 minutes',
      }),
    ).toBe(
      '@channel ROLLBACK IN PROGRESS\nEnvironment: production\nCurrent version: abc123\nRolling back to: def456\nReason: error rate 12%\nETA: 5-10 minutes',
    );
  });

  it('announces the resolution line by line', () => {
    expect(completionText({ environment: 'production', targetVersion: 'def456' })).toBe(
      '@channel ROLLBACK COMPLETE\nEnvironment: production\nRolled back to: def456\nStatus: All health checks passing\nNext steps: RCA will be conducted within 24 hours',
    );
  });

  it('names one current version when the services agree, each one when they do not', () => {
    const svc = (service: string, version: string | null) => ({
      service,
      dockerService: `app-${service}`,
      version,
      previousVersion: null,
    });
    expect(currentVersionOf([svc('backend', 'v2'), svc('frontend', 'v2')])).toBe('v2');
    expect(currentVersionOf([svc('backend', 'v2'), svc('frontend', 'v3')])).toBe('backend v2, frontend v3');
    expect(currentVersionOf([svc('backend', null)])).toBe('unknown');
  });
});
