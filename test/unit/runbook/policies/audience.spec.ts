/** The runbook's escalation rules: who each threaded line mentions, and what reaches the platform team's channel. */
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import {
  mentionedFor,
  mentionedInReminder,
  tellsPlatformChannel,
  USER_ERROR_CODES,
} from '../../../../src/runbook/policies/audience';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const draft = draftRollback(AT);
const dryRun = { ...draft, dryRun: true };
const [, confirmed] = approvedEvents(AT) as [RollbackEvent, Extract<RollbackEvent, { type: 'IssueConfirmed' }>];

const failed = (code?: string): RollbackEvent => ({
  type: 'ConfirmationFailed',
  at: AT,
  reason: 'no',
  findings: null,
  ...(code ? { code } : {}),
});

describe('who the runbook mentions', () => {
  it('asks on-call and the incident commanders to approve, and the DBA only when migrations may be involved', () => {
    expect(mentionedFor(draft, confirmed)).toEqual(['on_call', 'incident_commanders']);
    for (const verdict of ['included', 'unknown'] as const) {
      const withMigrations = {
        ...confirmed,
        findings: { ...confirmed.findings, migrations: { verdict, source: 'git', files: [] } },
      };
      expect(mentionedFor(draft, withMigrations)).toEqual(['on_call', 'incident_commanders', 'dba']);
    }
    const none = {
      ...confirmed,
      findings: { ...confirmed.findings, migrations: { verdict: 'none' as const, source: 'git', files: [] } },
    };
    expect(mentionedFor(draft, none)).not.toContain('dba');
  });

  it('mentions no one in a dry run, which can never be approved', () => {
    expect(mentionedFor(dryRun, confirmed)).toEqual([]);
    expect(mentionedFor(dryRun, failed('DOCKER_UNREACHABLE'))).toEqual([]);
  });

  it('tells only the requester of a mistake in what they asked for, even in a dry run', () => {
    for (const code of USER_ERROR_CODES) {
      expect(mentionedFor(draft, failed(code))).toEqual(['requester']);
      expect(mentionedFor(dryRun, failed(code))).toEqual(['requester']);
    }
    // A request an alerting integration made has no person to mention.
    expect(mentionedFor({ ...draft, requestedBy: 'alertmanager' }, failed('TARGET_UNAVAILABLE'))).toEqual([]);
  });

  it('escalates failures, adding the platform team (and its channel) when the tooling failed', () => {
    expect(mentionedFor(draft, failed())).toEqual(['incident_commanders', 'on_call']);
    expect(mentionedFor(draft, failed('DOCKER_UNREACHABLE'))).toEqual([
      'incident_commanders',
      'on_call',
      'platform_team',
    ]);
    const executionFailed: RollbackEvent = {
      type: 'ExecutionFailed',
      at: AT,
      reason: 'paused',
      code: 'SWARM_UPDATE_PAUSED',
      results: [],
    };
    expect(mentionedFor(draft, executionFailed)).toContain('platform_team');
    expect(tellsPlatformChannel(executionFailed)).toBe(true);
    expect(tellsPlatformChannel(failed('TARGET_UNAVAILABLE'))).toBe(false);
    expect(tellsPlatformChannel(failed())).toBe(false);
  });

  it('tells the incident commander of an overrun, and pages on-call too at twice the budget', () => {
    const overran = (factor: number): RollbackEvent => ({
      type: 'StepOverran',
      at: AT,
      step: 'execute',
      factor,
      budgetMs: 1000,
    });
    expect(mentionedFor(draft, overran(1))).toEqual(['incident_commanders']);
    expect(mentionedFor(draft, overran(2))).toEqual(['incident_commanders', 'on_call']);
  });

  it('asks people to act when the announcement failed before anything changed, not when only the resolution did', () => {
    const approved = rollbackAfter(draft, approvedEvents(AT));
    const announcementFailed = (step: 'announce' | 'complete'): RollbackEvent => ({
      type: 'AnnouncementFailed',
      at: AT,
      step,
      reason: 'Slack said no',
    });
    expect(mentionedFor(approved, announcementFailed('announce'))).toEqual(['incident_commanders', 'on_call']);
    expect(mentionedFor(approved, announcementFailed('complete'))).toEqual([]);
  });

  it('mentions no one for ordinary progress', () => {
    expect(mentionedFor(draft, { type: 'ConfirmationStarted', at: AT })).toEqual([]);
    expect(mentionedFor(draft, { type: 'Note', at: AT, fact: { kind: 'on_call_paged' } })).toEqual([]);
  });

  it('reminds the incident commanders, and whoever scheduled the post-mortem', () => {
    expect(
      mentionedInReminder({
        kind: 'post_mortem',
        rollbackId: 'rb-1',
        environment: 'production',
        hours: 24,
        by: 'U0IC',
      }),
    ).toEqual(['actor', 'incident_commanders']);
    expect(mentionedInReminder({ kind: 'rca_due', rollbackId: 'rb-1', environment: 'production', due: AT })).toEqual([
      'incident_commanders',
    ]);
  });
});
