/** The Markdown timeline read outside Slack: people by name, and each refused click under what it was refused for. */
import type { RollbackEvent } from '../../../../src/domain/rollback.events';
import type { TimelineEntry } from '../../../../src/ports';
import { markdownTimeline, peopleIn } from '../../../../src/runbook/reports/timeline';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const r = { ...rollbackAfter(draftRollback(AT), approvedEvents(AT)), approvedBy: 'U0IC' };
const entry = (seq: number, event: RollbackEvent, actor: string | null): TimelineEntry => ({
  rollbackId: r.id,
  seq,
  at: AT,
  type: event.type,
  actor,
  event,
});
const entries: TimelineEntry[] = [
  entry(
    1,
    { type: 'ApprovalRefused', at: AT, by: 'U0SOMEONE', action: 'approve', why: 'not an incident commander' },
    'U0SOMEONE',
  ),
  entry(2, { type: 'ApprovalGranted', at: AT, by: 'U0IC' }, 'U0IC'),
  entry(
    3,
    { type: 'ApprovalRefused', at: AT, by: 'U0SOMEONE', action: 'tick', why: 'only incident commanders tick' },
    'U0SOMEONE',
  ),
];

it('names people (with their id) when their names are known, and keeps the id otherwise', () => {
  const md = markdownTimeline(r, entries, new Map([['U0IC', 'Ina Ito']]));
  expect(md).toContain('Approved by @Ina Ito (U0IC) at');
  expect(md).toContain('(@U0SOMEONE)');
  expect(peopleIn(r, entries)).toEqual(expect.arrayContaining(['U0ONCALL', 'U0IC', 'U0SOMEONE']));
});

it('files a refused checklist tick under the checklist, not the approval, and says what it was', () => {
  const md = markdownTimeline(r, entries);
  const approval = md.slice(md.indexOf('## Approval'), md.indexOf('## Steps'));
  const checklist = md.slice(md.indexOf('## Checklist'), md.indexOf('## Event log'));
  expect(approval).toContain('- Refused approval: @U0SOMEONE at 1 Dec 2026 10:00:00 UTC (not an incident commander)');
  expect(approval).not.toContain('tick');
  expect(checklist).toContain(
    '- Refused checklist tick: @U0SOMEONE at 1 Dec 2026 10:00:00 UTC (only incident commanders tick)',
  );
  expect(md).toContain('1 Dec 2026 10:00:00 UTC Refused checklist tick (@U0SOMEONE)');
  expect(md).not.toMatch(/ApprovalRefused/);
});
