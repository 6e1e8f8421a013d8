import { type Rollback } from '../../../../src/domain/rollback';
import { type RollbackEvent } from '../../../../src/domain/rollback.events';
import { probeLine, rollbackCard } from '../../../../src/slack/blocks/card';
import { LIMITS, slackDate } from '../../../../src/slack/blocks/limits';
import { ACTION } from '../../../../src/slack/ids';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../support/fakes';
import { AT, awaiting } from '../../../support/rollback-fixtures';

type AnyBlock = {
  type: string;
  text?: { text: string };
  elements?: Array<{ action_id?: string; value?: string; text: { text: string } }>;
};

describe('rollbackCard', () => {
  it("links the rollback's GitHub deployment in the footer, with what GitHub was last told", () => {
    const footer = (r: Rollback) => JSON.stringify(rollbackCard(r).blocks.at(-1));
    expect(footer(awaiting)).not.toContain('GitHub deployment');
    const linked: Rollback = {
      ...awaiting,
      githubDeployment: { state: 'in_progress', id: 900, url: 'https://github.com/acme/shop/deployments/production' },
    };
    expect(footer(linked)).toContain(
      ' · <https://github.com/acme/shop/deployments/production|GitHub deployment #900> (in progress)',
    );
    expect(footer({ ...linked, githubDeployment: { state: 'unavailable', id: null, url: null } })).not.toContain(
      'GitHub',
    );
  });

  it('asks for approval with exactly two buttons that carry only the rollback id', () => {
    const { blocks, text } = rollbackCard(awaiting);
    const actions = (blocks as AnyBlock[]).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => ({ id: e.action_id, label: e.text.text, value: e.value }))).toEqual([
      { id: ACTION.approve, label: 'Approve', value: 'rb-abc123' },
      { id: ACTION.cancel, label: 'Cancel', value: 'rb-abc123' },
    ]);
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Rollback · production', emoji: true },
    });
    expect(text).toBe('Rollback of production: Awaiting approval — target v1');
    const all = JSON.stringify(blocks);
    expect(all).toContain(':white_check_mark: Step 1 — Confirm the issue · 3.2 s');
    expect(all).toContain("`v1` — Swarm's PreviousSpec");
    expect(all).toContain('*Health:* :x: HTTP 500 (attempt 5)');
  });

  it('offers no Approve once the rollback has moved on', () => {
    for (const status of ['executing', 'verifying', 'completed', 'failed', 'cancelled'] as const) {
      const { blocks } = rollbackCard({ ...awaiting, status });
      expect(JSON.stringify(blocks)).not.toContain(ACTION.approve);
    }
  });

  it('stays within Block Kit limits whatever the input', () => {
    const huge: Rollback = {
      ...awaiting,
      reason: 'r'.repeat(10_000),
      environment: 'e'.repeat(64),
      findings: {
        ...(awaiting.findings as NonNullable<Rollback['findings']>),
        services: Array.from({ length: 200 }, (_, i) => ({
          service: `svc${i}`,
          dockerService: `app-${'x'.repeat(50)}-${i}`,
          version: 'v'.repeat(128),
          previousVersion: null,
        })),
      },
      failure: { step: 'execute', reason: 'f'.repeat(10_000) },
    };
    const { blocks, text } = rollbackCard(huge);
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    for (const b of blocks as AnyBlock[]) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.type === 'header' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.header);
    }
    expect(text.length).toBeLessThanOrEqual(LIMITS.messageText);
  });
});

describe('the completed card', () => {
  it("leads with what Step 4 proved, not Step 1's evidence", () => {
    const completed: Rollback = {
      ...awaiting,
      status: 'completed',
      approvedBy: 'U0IC',
      verification: {
        health: { url: 'http://h/health', ok: true, attempts: 1, status: 200, version: 'v1' },
        smokeTests: [
          { name: 'home page', url: 'http://h/', ok: true, expectedStatus: 200, status: 200 },
          { name: 'login', url: 'http://h/login', ok: true, expectedStatus: 200, status: 200 },
        ],
      },
    };
    const blocks = rollbackCard(completed).blocks as AnyBlock[];
    const all = JSON.stringify(blocks);
    expect(all).toContain('*Now running*\\n`v1`');
    expect(all).toContain('*Rolled back from*\\n`v2`');
    expect(all).not.toContain('*Current version*');
    const verified = blocks.findIndex((b) => b.text?.text.startsWith(':white_check_mark: *Verified (Step 4)*'));
    expect(verified).toBeGreaterThan(0);
    expect(blocks[verified].text?.text).toBe(
      ':white_check_mark: *Verified (Step 4)*\n*Health:* :white_check_mark: HTTP 200, version `v1`\n*Smoke tests:* 2/2 passed',
    );
    // Step 1's failing health is no longer shown as a finding, only as what was before, in small print.
    expect(all).not.toContain('*Health:* :x: HTTP 500');
    expect(all).toContain('Before the rollback (Step 1): health HTTP 500, v2');
  });
});

describe('the card of a rollback that ended without completing', () => {
  const events = approvedEvents(AT);
  const announcedEvents: RollbackEvent[] = [
    ...events,
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
  ];
  const draft = draftRollback(AT, { id: 'rb-abc123' });
  const buttonsOf = (r: Rollback) =>
    (rollbackCard(r).blocks as AnyBlock[]).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));

  it.each<[string, RollbackEvent[]]>([
    [
      'Step 4 failed',
      [
        ...announcedEvents,
        { type: 'ServicesRolledBack', at: AT, results: [] },
        {
          type: 'VerificationFailed',
          at: AT,
          reason: 'health check failed',
          evidence: { health: { url: 'h', ok: false, attempts: 3, status: 503 }, smokeTests: [] },
        },
      ],
    ],
    ['Step 3 failed', [...announcedEvents, { type: 'ExecutionFailed', at: AT, reason: 'update paused', results: [] }]],
    [
      'interrupted in Step 3',
      [...announcedEvents, { type: 'RollbackInterrupted', at: AT, reason: 'restart', services: [] }],
    ],
  ])('says the deploy gate is shut and how to clear it once Step 3 had started (%s)', (_name, evs) => {
    const r = rollbackAfter(draft, evs);
    const all = JSON.stringify(rollbackCard(r).blocks);
    expect(all).toContain('deploy gate of production is shut');
    expect(all).toContain('`/rollback unlock production [reason]`');
    expect(buttonsOf(r).map((b) => b.action_id)).toContain(ACTION.clearRootCause);
    const cleared = rollbackAfter(r, [{ type: 'RootCauseCleared', at: AT, by: 'U0IC' }]);
    expect(JSON.stringify(rollbackCard(cleared).blocks)).not.toContain('`/rollback unlock production');
    expect(buttonsOf(cleared).map((b) => b.action_id)).not.toContain(ACTION.clearRootCause);
  });

  describe('production changed by hand since', () => {
    const LATER = '2026-11-26T10:20:00.000Z';
    const byHand: RollbackEvent = {
      type: 'HandsOnChange',
      at: LATER,
      gated: true,
      changes: [
        { service: 'backend', dockerService: 'demo-backend', from: 'v1', to: 'v2', how: 'update' },
        { service: 'frontend', dockerService: 'demo-frontend', from: 'v1', to: 'v2', how: 'update' },
      ],
    };
    const verified: RollbackEvent[] = [
      ...announcedEvents,
      { type: 'ServicesRolledBack', at: AT, results: [] },
      {
        type: 'RollbackVerified',
        at: AT,
        evidence: { health: { url: 'h', ok: true, attempts: 1, status: 200, version: 'v1' }, smokeTests: [] },
      },
      { type: 'ResolutionAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.2' } },
    ];
    const changedSince = `:warning: *Production changed since this rollback, without the bot, while deploys were locked:*\n• ${slackDate(LATER)}: backend v1 → v2 (by an update), frontend v1 → v2 (by an update)\nWhat the card shows below is what this rollback left, not what runs now.`;

    it('says under its header that production changed since, with what and when, once completed', () => {
      const before = rollbackAfter(draft, verified);
      expect(JSON.stringify(rollbackCard(before).blocks)).toContain('*Now running*\\n`v1`');
      const r = rollbackAfter(before, [byHand]);
      const { blocks, text } = rollbackCard(r);
      expect(blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: changedSince } });
      // "Now running v1" would be false: the field says what Step 4 verified.
      const all = JSON.stringify(blocks);
      expect(all).not.toContain('*Now running*');
      expect(all).toContain('*Verified in Step 4*\\n`v1`');
      expect(text).toBe('Rollback of production: Completed — target v1 (production changed since, without the bot)');
      expect(r.updatedAt).toBe(LATER);
    });

    it.each<[string, RollbackEvent[]]>([
      [
        'failed in Step 4',
        [
          ...announcedEvents,
          { type: 'ServicesRolledBack', at: AT, results: [] },
          {
            type: 'VerificationFailed',
            at: AT,
            reason: 'health check failed',
            evidence: { health: { url: 'h', ok: false, attempts: 3, status: 503 }, smokeTests: [] },
          },
        ],
      ],
      [
        'interrupted in Step 3',
        [...announcedEvents, { type: 'RollbackInterrupted', at: AT, reason: 'restart', services: [] }],
      ],
    ])('says it on the card of a rollback that %s too (its mark keeps the gate shut)', (_name, evs) => {
      const r = rollbackAfter(draft, [...evs, byHand]);
      expect(rollbackCard(r).blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: changedSince } });
    });

    it('keeps the three latest changes on the card and counts the earlier ones; nothing once the change was not gated', () => {
      const later = (min: number, to: string): RollbackEvent => ({
        type: 'HandsOnChange',
        at: new Date(Date.parse(LATER) + min * 60_000).toISOString(),
        gated: true,
        changes: [{ service: 'backend', dockerService: 'demo-backend', from: 'v1', to, how: 'update' }],
      });
      const r = rollbackAfter(draft, [...verified, byHand, later(1, 'v3'), later(2, 'v4'), later(3, 'v5')]);
      const head = (rollbackCard(r).blocks[1] as AnyBlock).text?.text ?? '';
      expect(head).toContain('locked:*\n• …1 earlier, in the thread\n• ');
      expect(head).toContain('backend v1 → v5');
      expect(head).not.toContain('frontend v1 → v2');
      // Once the mark is cleared, later changes are ordinary deploys: the card says it no longer follows them.
      const cleared = rollbackAfter(r, [{ type: 'RootCauseCleared', at: LATER, by: 'U0IC' }]);
      expect((rollbackCard(cleared).blocks[1] as AnyBlock).text?.text).toContain(
        'Deploys are open again since the mark was cleared: later changes are not shown here.',
      );
      expect(rollbackAfter(cleared, [later(4, 'v6')])).toEqual(cleared);
      // A change the watcher did not tell as past the gate (only replicas, or no mark) leaves the card as it was.
      const quiet = rollbackAfter(draft, [...verified, { ...byHand, gated: false }]);
      expect(quiet).toEqual(rollbackAfter(draft, verified));
    });
  });

  it('says the gate stays shut after the lock of an unknown outcome is released', () => {
    const r = rollbackAfter(draft, [
      ...announcedEvents,
      { type: 'OutcomeUnknown', at: AT, reason: 'Docker gone', services: [] },
    ]);
    expect(JSON.stringify(rollbackCard(r).blocks)).toContain('`/rollback unlock production [reason]`');
  });

  it('says nothing of the gate when Step 3 never started', () => {
    for (const evs of [
      [
        { type: 'ConfirmationStarted', at: AT },
        { type: 'ConfirmationFailed', at: AT, reason: 'no target', findings: null },
      ],
      [...events, { type: 'AnnouncementFailed', at: AT, step: 'announce', reason: 'channel_not_found' }],
      [...events, { type: 'RollbackInterrupted', at: AT, reason: 'restart', services: [] }],
    ] as RollbackEvent[][]) {
      const r = rollbackAfter(draft, evs);
      expect(JSON.stringify(rollbackCard(r).blocks)).not.toContain('/rollback unlock');
      expect(buttonsOf(r).map((b) => b.action_id)).not.toContain(ACTION.clearRootCause);
    }
  });

  it('warns when the target is a version a rollback since the last clearing moved away from, with its button', () => {
    const r: Rollback = {
      ...awaiting,
      target: 'v2',
      findings: { ...awaiting.findings!, target: 'v2', rolledBackFrom: { rollbackId: 'rb-old', status: 'failed' } },
    } as Rollback;
    const all = JSON.stringify(rollbackCard(r).blocks);
    expect(all).toContain('rollback rb-old moved production away from `v2`');
    expect(buttonsOf(r).map((b) => b.action_id)).toContain('rollback_ack_rolled_back_from');
    const acknowledged = { ...r, acknowledgements: [{ risk: 'rolled_back_from', by: 'U0IC', at: AT }] } as Rollback;
    expect(buttonsOf(acknowledged).map((b) => b.action_id)).not.toContain('rollback_ack_rolled_back_from');
  });
});

describe('probeLine', () => {
  it('summarises an HTML error page instead of showing its markup', () => {
    expect(probeLine('Health', { url: 'http://h/health', ok: false, attempts: 3, status: 404, html: true })).toBe(
      '*Health:* :x: HTTP 404, HTML page (attempt 3)',
    );
  });
});
