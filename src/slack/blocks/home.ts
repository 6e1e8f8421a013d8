/**
 * The Home tab (views.publish): every environment at a glance — what runs and how old that look is, the deploy gate,
 * the rollback in progress with its step, the last three with outcome and duration — with a button to request a
 * rollback and, for an incident commander, one to unlock. Within Block Kit's 100 blocks however many environments
 * there are: a summary of all of them on top, then a page of ENVIRONMENTS_PER_PAGE, and buttons to page.
 */
import type { HomeDashboard, HomeEnvironment, HomeRollback, RunningNow } from '../../domain/home';
import { ENVIRONMENT_PATTERN, MAX_REASON_LENGTH } from '../../domain/names';
import { statusWords } from '../../domain/rollback';
import { esc, link } from '../escape';
import { ACTION, VIEW } from '../ids';
import { cardUrl } from '../permalink';
import { STATUS_LABEL, STEP_TITLE } from './card';
import { type Block, context, fitLines, LIMITS, section, seconds, slackDate, truncate } from './limits';

/** A home view holds at most 100 blocks (a message 50). */
export const HOME_BLOCKS = 100;
/** Four blocks each: 5 on top + 4 × 20 + 2 for paging = 87, within HOME_BLOCKS with room to spare. */
export const ENVIRONMENTS_PER_PAGE = 20;
/** Versions listed per environment before "and N more". */
const VERSIONS_SHOWN = 5;

export const UNLOCK_BLOCK = { reason: 'reason' } as const;
export const UNLOCK_ACTION = { reason: 'value' } as const;

/** "3 min ago", "2 h ago", "4 d ago": how old a look is, from when the dashboard was made. */
export function age(fromIso: string, nowIso: string): string {
  const ms = Math.max(0, Date.parse(nowIso) - Date.parse(fromIso));
  if (Number.isNaN(ms)) return 'at an unknown time';
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

const rollbackLink = (r: { id: string; card: HomeRollback['card'] }): string =>
  r.card ? link(cardUrl(r.card), r.id) : `\`${esc(r.id)}\``;

function runningLine(r: RunningNow | null, now: string): string {
  if (!r) return '*Runs:* not looked at yet (no Step 1, no close watch since the bot started)';
  const shown = r.versions.slice(0, VERSIONS_SHOWN).map((v) => `\`${esc(truncate(v, 128))}\``);
  const more = r.versions.length > VERSIONS_SHOWN ? ` and ${r.versions.length - VERSIONS_SHOWN} more` : '';
  const versions = shown.length ? `${shown.join(', ')}${more}` : 'a version it could not read';
  const id = `\`${esc(r.rollbackId ?? '')}\``;
  const by = {
    close_watch: `seen by the close watch${r.healthy === false ? ', *unhealthy*' : r.healthy ? ', healthy' : ''}`,
    step1: `seen by Step 1 of ${id}`,
    rollback: `left running by Step 3 of ${id}`,
    hands_on: `changed by hand after ${id}`,
  }[r.source];
  return `*Runs:* ${versions} — ${by}, ${age(r.at, now)} (${slackDate(r.at)})`;
}

const GATE_WHY = {
  rollback_in_progress: 'a rollback is in progress',
  rolled_back: 'rolled back',
  rollback_failed: 'a rollback may have changed production part-way',
} as const;

function gateLine(env: HomeEnvironment): string {
  const g = env.gate;
  if (g.open) return '*Deploys:* :large_green_circle: open';
  return `*Deploys:* :lock: locked since ${slackDate(g.since)} by ${rollbackLink({ id: g.rollbackId, card: g.card })} (${GATE_WHY[g.reason]})`;
}

function activeLine(env: HomeEnvironment): string | null {
  const a = env.active;
  if (!a) return null;
  const step = a.step ? ` · ${STEP_TITLE[a.step]}` : '';
  return `*Now:* ${a.dryRun ? 'DRY RUN ' : ''}${rollbackLink(a)} ${STATUS_LABEL[a.status]}${step} — ${a.card ? link(cardUrl(a.card), 'open its card') : 'no card yet'}`;
}

function recentLine(env: HomeEnvironment): string {
  if (env.recent.length === 0) return 'No finished rollbacks yet.';
  const one = (r: HomeRollback) =>
    `${rollbackLink(r)} ${r.dryRun ? 'dry run ' : ''}${statusWords(r.status)}${r.endedAt ? ` in ${seconds(r.requestedAt, r.endedAt)}` : ''}`;
  return `Last rollbacks: ${env.recent.map(one).join(' · ')}`;
}

function environmentBlocks(env: HomeEnvironment, now: string): Block[] {
  const lines = [`*${esc(env.name)}*`, runningLine(env.running, now), gateLine(env)];
  const active = activeLine(env);
  if (active) lines.push(active);
  const buttons: Block[] = [
    {
      type: 'button',
      action_id: ACTION.homeRequest,
      text: { type: 'plain_text', text: 'Request a rollback' },
      value: env.name,
    },
  ];
  if (env.mayUnlock)
    buttons.push({
      type: 'button',
      action_id: ACTION.homeUnlock,
      style: 'danger',
      text: { type: 'plain_text', text: 'Unlock' },
      value: env.name,
    });
  return [
    section(fitLines(lines, LIMITS.sectionText, () => '…')),
    context(recentLine(env)),
    { type: 'actions', block_id: `home_env_${env.name}`, elements: buttons },
    { type: 'divider' },
  ];
}

/** The page shown: the one asked for, within range. */
export function pageOf(d: Pick<HomeDashboard, 'environments' | 'page'>): { page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(d.environments.length / ENVIRONMENTS_PER_PAGE));
  return { page: Math.min(Math.max(0, Math.floor(d.page) || 0), pages - 1), pages };
}

/** The Home tab of `d.userId`. */
export function homeView(d: HomeDashboard): Record<string, unknown> {
  const { page, pages } = pageOf(d);
  const locked = d.environments.filter((e) => !e.gate.open);
  const active = d.environments.filter((e) => e.active);
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: 'Every environment at a glance' } }];
  if (d.notice) blocks.push(section(`:information_source: ${esc(truncate(d.notice, 2000))}`));
  blocks.push(
    context(
      `${d.environments.length} environment${d.environments.length === 1 ? '' : 's'} · ${locked.length} locked · ${active.length} with a rollback in progress · as of ${slackDate(d.at)}`,
    ),
  );
  if (pages > 1) {
    // Every environment that needs attention, named here whichever page it is on.
    const attention = d.environments
      .filter((e) => !e.gate.open || e.active)
      .map((e) => `*${esc(e.name)}* ${e.active ? `${statusWords(e.active.status)}` : 'locked'}`);
    blocks.push(
      section(
        attention.length
          ? `*Needs attention:* ${fitLines(attention, LIMITS.sectionText - 40, (n) => (n ? `and ${n} more` : '')).replace(/\n/g, ' · ')}`
          : '*Needs attention:* nothing — every deploy gate is open and no rollback is running.',
      ),
    );
  }
  blocks.push({ type: 'divider' });
  if (d.environments.length === 0) blocks.push(section('No environments are configured.'));
  const shown = d.environments.slice(page * ENVIRONMENTS_PER_PAGE, (page + 1) * ENVIRONMENTS_PER_PAGE);
  for (const env of shown) blocks.push(...environmentBlocks(env, d.at));
  if (pages > 1) {
    blocks.push(context(`Page ${page + 1} of ${pages}`));
    const nav: Block[] = [];
    if (page > 0)
      nav.push({
        type: 'button',
        action_id: `${ACTION.homePage}_previous`,
        text: { type: 'plain_text', text: '◀ Previous' },
        value: String(page - 1),
      });
    if (page < pages - 1)
      nav.push({
        type: 'button',
        action_id: `${ACTION.homePage}_next`,
        text: { type: 'plain_text', text: 'Next ▶' },
        value: String(page + 1),
      });
    blocks.push({ type: 'actions', block_id: 'home_pages', elements: nav });
  }
  return { type: 'home', callback_id: VIEW.home, blocks };
}

/** The Unlock button's modal: the reason goes in the timeline. */
export function unlockModal(environment: string): Record<string, unknown> {
  const name = ENVIRONMENT_PATTERN.test(environment) ? environment : '';
  return {
    type: 'modal',
    callback_id: VIEW.unlock,
    private_metadata: JSON.stringify({ environment: name }),
    title: { type: 'plain_text', text: 'Unlock deploys' },
    submit: { type: 'plain_text', text: 'Unlock' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(
        `Clears the mark of the last rollback of *${esc(name)}*: its deploy gate opens and CI may deploy again. Only an incident commander can.`,
      ),
      {
        type: 'input',
        block_id: UNLOCK_BLOCK.reason,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'plain_text_input',
          action_id: UNLOCK_ACTION.reason,
          multiline: true,
          max_length: MAX_REASON_LENGTH,
          placeholder: { type: 'plain_text', text: 'e.g. root cause fixed in #812, verified on staging' },
        },
      },
    ],
  };
}
