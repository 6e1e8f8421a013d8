/** The Home tab's renderer: Block Kit's limits with many environments, paging, escaping, the buttons, ages. */
import type { HomeDashboard, HomeEnvironment } from '../../../../src/domain/home';
import {
  age,
  ENVIRONMENTS_PER_PAGE,
  HOME_BLOCKS,
  homeView,
  pageOf,
  unlockModal,
} from '../../../../src/slack/blocks/home';
import { ACTION, VIEW } from '../../../../src/slack/ids';
import { viewProblems } from '../../../support/block-kit';

const AT = '2026-12-01T10:00:00.000Z';
type Blocks = Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

const env = (name: string, over: Partial<HomeEnvironment> = {}): HomeEnvironment => ({
  name,
  running: { versions: ['v1'], at: '2026-12-01T09:55:00.000Z', source: 'step1', rollbackId: 'rb-1' },
  gate: { open: true },
  active: null,
  recent: [],
  mayUnlock: false,
  ...over,
});
const dash = (environments: HomeEnvironment[], over: Partial<HomeDashboard> = {}): HomeDashboard => ({
  userId: 'U0IC',
  at: AT,
  environments,
  page: 0,
  notice: null,
  ...over,
});
const blocksOf = (d: HomeDashboard) => homeView(d).blocks as Blocks;
const text = (d: HomeDashboard) => JSON.stringify(homeView(d));
const buttons = (d: HomeDashboard) =>
  blocksOf(d)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements as Blocks)
    .map((e) => [e.action_id, e.text.text, e.value]);

describe('homeView', () => {
  it('shows one environment in full: what runs and how old the look is, the gate, the rollback in progress, the last ones', () => {
    const card = { channel: 'C0INCIDENT', ts: '1700000000.000100' };
    const d = dash([
      env('production', {
        gate: { open: false, reason: 'rollback_in_progress', since: AT, rollbackId: 'rb-now', card },
        active: {
          id: 'rb-now',
          status: 'executing',
          dryRun: false,
          requestedAt: AT,
          endedAt: null,
          card,
          step: 'execute',
        },
        recent: [
          {
            id: 'rb-old',
            status: 'completed',
            dryRun: false,
            requestedAt: '2026-11-30T10:00:00.000Z',
            endedAt: '2026-11-30T10:02:05.000Z',
            card: null,
          },
        ],
      }),
    ]);
    const view = homeView(d);
    expect(view).toMatchObject({ type: 'home', callback_id: VIEW.home });
    expect(viewProblems(view)).toEqual([]);
    const all = text(d);
    expect(all).toContain('*Runs:* `v1` — seen by Step 1 of `rb-1`, 5 min ago');
    expect(all).toContain(':lock: locked since <!date^');
    expect(all).toContain(
      'by <https://slack.com/archives/C0INCIDENT/p1700000000000100|rb-now> (a rollback is in progress)',
    );
    expect(all).toContain('Step 3 — Execute the rollback');
    expect(all).toContain('open its card');
    expect(all).toContain('`rb-old` completed in 2 min 5 s');
    expect(buttons(d)).toEqual([[ACTION.homeRequest, 'Request a rollback', 'production']]);
  });

  it('offers Unlock only where the viewer may unlock', () => {
    const shut = { open: false as const, reason: 'rolled_back' as const, since: AT, rollbackId: 'rb-1', card: null };
    const d = dash([env('production', { gate: shut, mayUnlock: true }), env('staging', { gate: shut })]);
    expect(buttons(d)).toEqual([
      [ACTION.homeRequest, 'Request a rollback', 'production'],
      [ACTION.homeUnlock, 'Unlock', 'production'],
      [ACTION.homeRequest, 'Request a rollback', 'staging'],
    ]);
  });

  it.each([
    ['rollback', 'left running by Step 3 of `rb-1`'],
    ['hands_on', 'changed by hand after `rb-1`'],
  ] as const)('says where a look of source %s came from', (source, said) => {
    const looked = env('production', { running: { versions: ['v1'], at: AT, source, rollbackId: 'rb-1' } });
    expect(text(dash([looked]))).toContain(`*Runs:* \`v1\` — ${said}, just now`);
  });

  it('says when nothing was looked at yet, and a close watch that found it unhealthy', () => {
    expect(text(dash([env('production', { running: null })]))).toContain('not looked at yet');
    const watched = env('production', {
      running: { versions: [], at: AT, source: 'close_watch', healthy: false },
    });
    expect(text(dash([watched]))).toContain(
      'a version it could not read — seen by the close watch, *unhealthy*, just now',
    );
  });

  it('stays within 100 blocks and Slack limits with many environments, and pages through them', () => {
    const many = Array.from({ length: 95 }, (_, i) =>
      env(`env-${String(i).padStart(2, '0')}-${'x'.repeat(50)}`, {
        running: {
          versions: Array.from({ length: 30 }, (_, j) => `v${j}-${'y'.repeat(120)}`),
          at: AT,
          source: 'step1',
          rollbackId: 'rb-1',
        },
        gate:
          i % 7 === 0
            ? { open: false, reason: 'rollback_failed', since: AT, rollbackId: `rb-${i}`, card: null }
            : { open: true },
        mayUnlock: i % 7 === 0,
      }),
    );
    expect(pageOf(dash(many))).toEqual({ page: 0, pages: 5 });
    for (let page = 0; page < 5; page++) {
      const d = dash(many, { page, notice: 'n'.repeat(5000) });
      const view = homeView(d);
      expect((view.blocks as Blocks).length).toBeLessThanOrEqual(HOME_BLOCKS);
      expect(viewProblems(view)).toEqual([]);
      const shown = buttons(d)
        .filter(([id]) => id === ACTION.homeRequest)
        .map(([, , v]) => v);
      expect(shown).toEqual(
        many.slice(page * ENVIRONMENTS_PER_PAGE, (page + 1) * ENVIRONMENTS_PER_PAGE).map((e) => e.name),
      );
      expect(text(d)).toContain(`Page ${page + 1} of 5`);
    }
    const paging = (page: number) =>
      buttons(dash(many, { page })).filter(([id]) => String(id).startsWith(ACTION.homePage));
    expect(paging(0)).toEqual([[`${ACTION.homePage}_next`, 'Next ▶', '1']]);
    expect(paging(2)).toEqual([
      [`${ACTION.homePage}_previous`, '◀ Previous', '1'],
      [`${ACTION.homePage}_next`, 'Next ▶', '3'],
    ]);
    expect(paging(4)).toEqual([[`${ACTION.homePage}_previous`, '◀ Previous', '3']]);
    // A page past the end shows the last one; every locked environment is named on every page.
    expect(pageOf(dash(many, { page: 99 }))).toEqual({ page: 4, pages: 5 });
    expect(text(dash(many, { page: 3 }))).toContain('*Needs attention:* *env-00-');
    // Five versions, then how many more.
    expect(text(dash(many))).toContain('and 25 more');
  });

  it('has no paging for one page', () => {
    const d = dash([env('production')]);
    expect(buttons(d).some(([id]) => String(id).startsWith(ACTION.homePage))).toBe(false);
    expect(text(d)).not.toContain('Page 1');
  });

  it('escapes everything from outside: a version, a notice', () => {
    const d = dash(
      [
        env('production', {
          running: { versions: ['<!channel>&v1'], at: AT, source: 'close_watch', healthy: true },
        }),
      ],
      { notice: 'refused: <@U0EVIL> <https://evil.example|click>' },
    );
    const all = text(d);
    expect(all).toContain('`&lt;!channel&gt;&amp;v1`');
    expect(all).toContain('refused: &lt;@U0EVIL&gt; &lt;https://evil.example|click&gt;');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U0EVIL>');
  });
});

describe('unlockModal', () => {
  it('asks for the reason, and carries the environment', () => {
    const m = unlockModal('production');
    expect(viewProblems(m)).toEqual([]);
    expect(m).toMatchObject({ callback_id: VIEW.unlock, private_metadata: '{"environment":"production"}' });
    expect(JSON.stringify(m)).toContain('"label":{"type":"plain_text","text":"Reason"}');
  });
  it('carries no environment that is not a name', () => {
    expect(unlockModal('<bad>').private_metadata).toBe('{"environment":""}');
  });
});

describe('age', () => {
  it.each([
    ['2026-12-01T09:59:30.000Z', 'just now'],
    ['2026-12-01T09:57:00.000Z', '3 min ago'],
    ['2026-12-01T07:00:00.000Z', '3 h ago'],
    ['2026-11-28T10:00:00.000Z', '3 d ago'],
    ['not a time', 'at an unknown time'],
  ])('%s → %s', (from, said) => expect(age(from, AT)).toBe(said));
});
