/**
 * Dates for people (issue 23, item 8): every time the bot writes in Slack is Slack's date markup, drawn in the
 * reader's own time zone, with a readable UTC fallback; never an ISO 8601 stamp. Outside Slack (the Markdown
 * timeline) the time is human UTC.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MANUAL_ITEMS } from '../../../src/domain/checklist';
import type { Rollback } from '../../../src/domain/rollback';
import type { RollbackEvent } from '../../../src/domain/rollback.events';
import { STEPS } from '../../../src/domain/rollback';
import type { ProgressNote } from '../../../src/ports';
import { markdownTimeline } from '../../../src/runbook/reports/timeline';
import { rollbackCard } from '../../../src/slack/blocks/card';
import { checklistMessage } from '../../../src/slack/blocks/checklist';
import { historyMessage, reminderText, statusMessage, timelineMessage } from '../../../src/slack/blocks/messages';
import { deployRefusalSummary, NO_MENTIONS, progressText, refusalSummary } from '../../../src/slack/blocks/thread';
import { DATE_FORMAT, slackDate } from '../../../src/slack/time';
import { approvedEvents, draftRollback, rollbackAfter } from '../../support/fakes';

const AT = '2026-12-03T20:29:15.826Z';
const LATER = '2026-12-03T20:31:02.000Z';
const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000);

const ISO_STAMP = /\d{4}-\d\d-\d\d[T ]\d\d:\d\d/;
const HUMAN_UTC = /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d(:\d\d)? UTC$/;
const DATE_MARKUP = /<!date\^(\d+)\^([^^|>]+)(?:\^[^|>]+)?\|([^>]*)>/g;

/** Each `<!date…>` in `text`: its time, format and fallback; fails on one Slack could not read. */
function datesIn(text: string): Array<{ secs: number; format: string; fallback: string }> {
  const found = [...text.matchAll(DATE_MARKUP)].map((m) => ({ secs: Number(m[1]), format: m[2], fallback: m[3] }));
  expect(found).toHaveLength(text.split('<!date').length - 1);
  return found;
}

/** No ISO stamp; every date markup has a readable UTC fallback and a format that names the day. */
function expectDatesForPeople(text: string): Array<{ secs: number; format: string; fallback: string }> {
  expect(text).not.toMatch(ISO_STAMP);
  const dates = datesIn(text);
  for (const d of dates) {
    expect(d.fallback).toMatch(HUMAN_UTC);
    expect(d.format).toMatch(/\{(time|time_secs)\}/);
  }
  return dates;
}

const completed: Rollback = (() => {
  const r = rollbackAfter(draftRollback(AT), approvedEvents(AT));
  return {
    ...r,
    status: 'completed',
    card: { channel: 'C0INCIDENT', ts: '1.000001' },
    findings: {
      ...(r.findings as NonNullable<Rollback['findings']>),
      deploy: { version: 'v2', at: AT, actor: 'ci', url: null, commit: 'abc1234' },
    },
    verification: {
      health: { url: 'http://h/health', ok: true, attempts: 1, status: 200, version: 'v1' },
      smokeTests: [],
    },
    steps: Object.fromEntries(
      STEPS.map((s) => [s, { status: 'done', startedAt: AT, endedAt: LATER }]),
    ) as Rollback['steps'],
    acknowledgements: [{ risk: 'no_criterion', by: 'U0IC', at: AT }],
    checklist: {
      message: { channel: 'C0INCIDENT', ts: '1.000002' },
      ticks: MANUAL_ITEMS.map((item) => ({ item, by: 'U0IC', at: LATER })),
    },
    rootCauseCleared: { by: 'U0IC', at: LATER },
    productionChanged: { at: LATER, changes: [] },
    endedAt: LATER,
    updatedAt: LATER,
  };
})();

describe('every time the bot writes in Slack', () => {
  it('the RCA reminder says when it is due in Slack date markup, not as an ISO stamp', () => {
    const text = reminderText({ kind: 'rca_due', rollbackId: 'rb-1', environment: 'production', due: AT }, NO_MENTIONS);
    expect(text).not.toContain(AT);
    const [due] = expectDatesForPeople(text);
    expect(due).toEqual({ secs: secs(AT), format: '{date_short_pretty} at {time}', fallback: '3 Dec 2026 20:29 UTC' });
  });

  it('the card: when requested, when a step started, when the mark was cleared and updated, each with its day', () => {
    const running = {
      ...completed,
      status: 'executing' as const,
      steps: { ...completed.steps, execute: { status: 'running' as const, startedAt: AT } },
    };
    const awaiting = { ...completed, status: 'awaiting_approval' as const, approvedBy: null, rootCauseCleared: null };
    // Awaiting approval: requested, deployed (CI's report), production changed (card and Approve's dialog), updated.
    expect(expectDatesForPeople(JSON.stringify(rollbackCard(awaiting).blocks))).toHaveLength(5);
    for (const r of [completed, running]) {
      const card = rollbackCard(r, { execute: 300_000 });
      const dates = expectDatesForPeople(JSON.stringify(card.blocks) + card.text);
      expect(dates.length).toBeGreaterThanOrEqual(3);
      expect(dates.map((d) => d.secs)).toEqual(expect.arrayContaining([secs(AT), secs(LATER)]));
    }
    // "Requested by … at today at 20:29" would read badly: the markup says "today at", the card does not.
    expect(JSON.stringify(rollbackCard(completed).blocks)).not.toMatch(/ at <!date/);
  });

  it('the checklist, the status and history lists, and every threaded line', () => {
    expectDatesForPeople(JSON.stringify(checklistMessage(completed, { ticketTracker: true })));
    const status = statusMessage({ active: [completed], recent: [completed], marked: [completed] });
    expect(expectDatesForPeople(JSON.stringify(status)).length).toBeGreaterThan(0);
    expect(expectDatesForPeople(JSON.stringify(historyMessage('production', [completed]))).length).toBeGreaterThan(0);
    const events: Array<RollbackEvent | ProgressNote> = [
      ...approvedEvents(AT),
      { type: 'RootCauseCleared', at: LATER, by: 'U0IC' },
      { type: 'ResolutionAnnounced', at: LATER, message: { channel: 'C0INCIDENT', ts: '1.3' } },
      { type: 'ProductionChanged', at: LATER, changes: [], services: [] },
      { type: 'Note', at: AT, fact: { kind: 'hands_on_change', changes: [], during: 'completed', gated: true } },
    ];
    for (const e of events) expectDatesForPeople(progressText(completed, e, NO_MENTIONS) ?? '');
  });

  it('refusal summaries span their first and last time, with the day on the first', () => {
    const refused = (at: string) => ({
      type: 'ApprovalRefused' as const,
      at,
      by: 'U0SOMEONE',
      action: 'approve' as const,
      why: 'not an incident commander',
    });
    const [first, last] = expectDatesForPeople(refusalSummary([refused(AT), refused(LATER)]));
    expect(first).toMatchObject({ secs: secs(AT), fallback: '3 Dec 2026 20:29:15 UTC' });
    expect(first.format).toContain('{date_short_pretty}');
    expect(last).toMatchObject({ secs: secs(LATER), format: '{time_secs}', fallback: '3 Dec 2026 20:31:02 UTC' });
    const deploy = (at: string) => ({
      at,
      fact: { kind: 'deploy_refused' as const, caller: 'ci', version: 'v3', actor: null, url: null },
    });
    expect(expectDatesForPeople(deployRefusalSummary([deploy(AT), deploy(LATER)]))).toHaveLength(2);
  });

  it('the Markdown timeline (outside Slack) says human UTC with seconds, never Slack markup', () => {
    const entries = approvedEvents(AT).map((event, seq) => ({
      rollbackId: completed.id,
      seq,
      at: AT,
      type: event.type,
      actor: 'U0IC',
      event,
    }));
    const md = markdownTimeline(completed, entries);
    expect(md).not.toMatch(ISO_STAMP);
    expect(md).not.toContain('<!date');
    expect(md).toContain('Requested by @U0ONCALL at 3 Dec 2026 20:29:15 UTC');
    expect(md).toContain('| 3 Dec 2026 20:29:15 UTC | 3 Dec 2026 20:31:02 UTC |');
    expect(timelineMessage(md).text).not.toMatch(ISO_STAMP);
  });
});

describe('slackDate', () => {
  it("is Slack's date markup: the time in seconds, a format naming the day, a readable UTC fallback", () => {
    expect(slackDate(AT)).toBe(`<!date^${secs(AT)}^{date_short_pretty} at {time}|3 Dec 2026 20:29 UTC>`);
    expect(slackDate(Date.parse(AT), DATE_FORMAT.dayAndTimeSecs)).toBe(
      `<!date^${secs(AT)}^{date_short_pretty} at {time_secs}|3 Dec 2026 20:29:15 UTC>`,
    );
    expect(slackDate(LATER, DATE_FORMAT.timeSecs)).toBe(`<!date^${secs(LATER)}^{time_secs}|3 Dec 2026 20:31:02 UTC>`);
  });

  it('shows a value that is not a time as escaped text, never as broken markup', () => {
    expect(slackDate('soon <!channel>')).toBe('soon &lt;!channel&gt;');
    expect(slackDate(Number.NaN)).toBe('NaN');
  });

  it('stays short enough for a section to hold dozens', () => {
    expect(slackDate('2099-12-31T23:59:59.999Z', DATE_FORMAT.dayAndTimeSecs).length).toBeLessThanOrEqual(80);
  });
});

it("the playground's page draws every format the bot uses, in the reader's zone (not the markup, not the fallback)", () => {
  const page = readFileSync(path.resolve(__dirname, '../../../playground/web/index.html'), 'utf8');
  const source = /function slackDateText[\s\S]*?\n}\n/.exec(page)?.[0] ?? '';
  const draw = new Function(`${source}; return slackDateText;`)() as (secs: number, format: string) => string | null;
  for (const format of Object.values(DATE_FORMAT)) {
    const shown = draw(secs(AT), format);
    expect(shown).not.toBeNull();
    expect(shown).not.toMatch(/[{}]|UTC/);
  }
  expect(draw(secs(AT), '{not_a_token}')).toBeNull();
});
