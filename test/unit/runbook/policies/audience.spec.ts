/** The runbook's escalation rules: who each threaded line mentions, and what reaches the platform team's channel. */
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import {
  audienceFor,
  mentionedFor,
  mentionedInReminder,
  REPORTS_ALERT_AUDIENCE,
  reminderAudience,
  tell,
  tellsPlatformChannel,
  USER_ERROR_CODES,
} from '../../../../src/runbook/policies/audience';
import { approvedEvents, draftRollback, RecordingNotifier, rollbackAfter } from '../../../support/fakes';

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

describe('the audience the notifier is given', () => {
  it('names the teams chosen, the requester by id, and whether the platform team channel hears of it', () => {
    expect(audienceFor(draft, confirmed)).toEqual({ teams: ['on_call', 'incident_commanders'] });
    expect(audienceFor(draft, failed('DOCKER_UNREACHABLE'))).toEqual({
      teams: ['incident_commanders', 'on_call', 'platform_team'],
      platformChannel: true,
    });
    expect(audienceFor(draft, failed('VERSION_INVALID'))).toEqual({ teams: [], requester: 'U0ONCALL' });
    expect(audienceFor(draft, { type: 'ConfirmationStarted', at: AT })).toEqual({ teams: [] });
  });

  it('mentions only people by id: an alerting integration that asked is not written as a user', () => {
    const byAlertmanager = { ...draft, requestedBy: 'alertmanager' };
    expect(audienceFor(byAlertmanager, failed('VERSION_INVALID'))).toEqual({ teams: [] });
    const reminder = { kind: 'post_mortem', rollbackId: 'rb-1', environment: 'production', hours: 24 } as const;
    expect(reminderAudience({ ...reminder, by: 'U0IC' })).toEqual({ teams: ['incident_commanders'], actor: 'U0IC' });
    expect(reminderAudience({ ...reminder, by: 'api' })).toEqual({ teams: ['incident_commanders'] });
    expect(reminderAudience({ kind: 'rca_due', rollbackId: 'rb-1', environment: 'production', due: AT })).toEqual({
      teams: ['incident_commanders'],
    });
    expect(REPORTS_ALERT_AUDIENCE).toEqual({ teams: ['on_call', 'incident_commanders'] });
  });

  it('is passed with every progress the runbook tells', async () => {
    const notifier = new RecordingNotifier();
    const event = failed('SWARM_ROLLED_BACK');
    await tell({ notifier }, draft, event);
    expect(notifier.told).toEqual([{ rollback: draft, event, audience: audienceFor(draft, event) }]);
    expect(notifier.told[0].audience.platformChannel).toBe(true);
  });
});
