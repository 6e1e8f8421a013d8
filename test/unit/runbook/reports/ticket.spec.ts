/** The incident ticket's body (GitHub, outside Slack): times in human UTC, and no Slack markup that GitHub would show raw. */
import { ticketFor } from '../../../../src/runbook/reports/ticket';
import { approvedEvents, draftRollback, rollbackAfter } from '../../../support/fakes';

const AT = '2026-12-03T20:29:15.826Z';

it('writes every time as "3 Dec 2026 20:29:15 UTC", never ISO 8601 or <!date…>', () => {
  const events = approvedEvents(AT);
  const r = rollbackAfter(draftRollback(AT), events);
  const entries = events.map((event, seq) => ({
    rollbackId: r.id,
    seq,
    at: AT,
    type: event.type,
    actor: 'U0IC',
    event,
  }));
  const { body } = ticketFor(r, entries, new Map([['U0IC', 'Ina Ito']]));
  expect(body).toContain('Requested by @U0ONCALL at 3 Dec 2026 20:29:15 UTC');
  expect(body).toContain('Approved by @Ina Ito (U0IC) at 3 Dec 2026 20:29:15 UTC.');
  expect(body).not.toMatch(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d/);
  expect(body).not.toContain('<!date');
});
