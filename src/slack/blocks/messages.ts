/** Ephemeral answers to `/rollback help`, `/rollback status` and refusals. */
import { checklistOf } from '../../domain/checklist';
import type { Reminder } from '../../domain/facts';
import { USAGE } from '../grammar';
import { CHANNEL_MENTION } from '../../domain/templates';
import { esc } from '../escape';
import { BOT_REQUESTER, type MessageRef, type Rollback } from '../../domain/rollback';
import { ACTION } from '../ids';
import { STATUS_LABEL } from './card';
import { type Block, context, fitLines, LIMITS, section, slackDate, truncate } from './limits';
import { joinMentions } from '../mentions';
import { cardUrl } from '../permalink';
import { alertText, type Mentions } from './thread';
import type { AlertRecord } from '../../ports';

export interface EphemeralMessage {
  response_type: 'ephemeral';
  text: string;
  blocks?: Block[];
}

export const ephemeral = (text: string): EphemeralMessage => ({
  response_type: 'ephemeral',
  text: truncate(text, LIMITS.messageText),
});

/** Plain text from the runbook (a refusal, a usage hint): shown as written, never obeyed. */
export const plainEphemeral = (text: string, suffix = ''): EphemeralMessage => ephemeral(`${esc(text)}${suffix}`);

/**
 * One of the runbook's announcements: its leading `@channel` becomes Slack's real channel mention (the runbook asks
 * for it), and everything else — the reason a user typed, the versions — is shown as text.
 */
export function announcementMrkdwn(text: string): string {
  return text.startsWith(CHANNEL_MENTION) ? `<!channel>${esc(text.slice(CHANNEL_MENTION.length))}` : esc(text);
}

export { cardUrl } from '../permalink';

export function cardLink(card: MessageRef | null, label = 'the card'): string {
  return card ? `<${cardUrl(card)}|${label}>` : label;
}

export function helpMessage(environments: string[]): EphemeralMessage {
  const text = [
    '*Rollback Bot* walks the rollback runbook with you: it confirms the issue, proposes the previous stable version,',
    'waits for an incident commander to *Approve*, announces, rolls back, verifies and announces the resolution.',
    '',
    esc(USAGE),
    '',
    `Environments: ${environments.map((e) => `\`${e}\``).join(', ') || 'none configured'}`,
    'Example: `/rollback production error rate 12% after the 14:02 deploy`',
  ].join('\n');
  return { response_type: 'ephemeral', text, blocks: [section(text)] };
}

function line(r: Rollback): string {
  const target = r.target ? ` → \`${esc(r.target)}\`` : '';
  const list = checklistOf(r);
  const open = list.filter((i) => !i.done).map((i) => i.label);
  const checklist = ` · checklist ${list.length - open.length}/${list.length}${r.status === 'completed' && open.length ? ` (open: ${open.join(', ')})` : ''}`;
  return `• *${r.environment}*${target} — ${STATUS_LABEL[r.status]} · ${cardLink(r.card, r.id)}${checklist} · ${r.requestedBy === BOT_REQUESTER ? 'proposed by the bot' : `requested by <@${r.requestedBy}>`} ${slackDate(r.requestedAt)}`;
}

export function statusMessage(s: {
  active: Rollback[];
  recent: Rollback[];
  marked?: Rollback[];
  drivers?: Map<string, string>;
  alerts?: AlertRecord[];
}): EphemeralMessage {
  const driven = (r: Rollback) => {
    const by = s.drivers?.get(r.id);
    return by ? `${line(r)} · driven by \`${esc(by)}\`` : line(r);
  };
  // Each list fits its section: whole lines, then how many more and where to see them.
  const list = (title: string, lines: string[], empty: string, more: string) =>
    `${title}\n${lines.length ? fitLines(lines, LIMITS.sectionText - title.length - 1, (n) => `…and ${n} more: ${more}`) : empty}`;
  const marked = (s.marked ?? []).map((r) =>
    r.status === 'completed'
      ? `• :warning: *${r.environment}* is *rolled back* (${cardLink(r.card, r.id)}): investigate the root cause before the next deployment`
      : `• :no_entry: *${r.environment}*: a rollback ${r.status === 'failed' ? 'failed' : 'was interrupted'} after Step 3 had started (${cardLink(r.card, r.id)}): bring it to one known version, then \`/rollback unlock ${r.environment}\``,
  );
  const parts = [
    ...(marked.length ? [list('*Deploys locked* (rolled back)', marked, '', 'each card says so')] : []),
    list('*In progress*', s.active.map(driven), 'No rollback in progress.', 'each has its card in its channel'),
    list('*Recently finished*', s.recent.map(line), 'None yet.', '`/rollback history`'),
    ...(s.alerts?.length
      ? [
          list(
            '*Alerts firing* (Alertmanager)',
            s.alerts.map(
              (a) =>
                `• *${esc(a.environment)}*: ${alertText(a)} · ${a.rollbackId ? `told on \`${esc(a.rollbackId)}\`` : 'kept, no card'}`,
            ),
            '',
            'the newest are shown',
          ),
        ]
      : []),
  ];
  return {
    response_type: 'ephemeral',
    text: truncate(parts.join('\n\n'), LIMITS.messageText),
    blocks: [...parts.map((p) => section(p)), context('`/rollback help` for usage')],
  };
}

export function historyMessage(environment: string | null, rollbacks: Rollback[]): EphemeralMessage {
  const title = `*Deployment log${environment ? ` — ${environment}` : ''}* (finished rollbacks, newest first)`;
  const hint = `\n\n\`/rollback timeline <id>\` gives one as Markdown for the post-mortem.`;
  const body = rollbacks.length
    ? fitLines(
        rollbacks.map(line),
        LIMITS.sectionText - title.length - hint.length - 1,
        (n) => `…and ${n} older: \`/rollback history <environment>\` narrows the list`,
      )
    : 'No finished rollback yet.';
  const text = `${title}\n${body}${hint}`;
  return { response_type: 'ephemeral', text, blocks: [section(text)] };
}

export function timelineMessage(markdown: string): EphemeralMessage {
  // A code block keeps the Markdown as it is, for pasting.
  return ephemeral(`\`\`\`\n${esc(truncate(markdown, LIMITS.messageText - 40))}\n\`\`\``);
}

/** "User-reported issues: 3+ unique reports — Evaluate, likely rollback", with a button that opens a request. */
export function reportsAlertMessage(a: {
  environment: string;
  reporters: string[];
  reports: string[];
  windowMinutes: number;
  mentions: Mentions;
}): { text: string; blocks: Block[] } {
  const who = a.reporters.map((u) => `<@${u}>`).join(', ');
  const text = truncate(
    `:loudspeaker: *Evaluate, likely rollback* — ${a.reporters.length} people reported problems with *${a.environment}* in the last ${a.windowMinutes} min (${who}).\n${a.reports.map((r) => `> ${esc(r.replace(/\n/g, ' '))}`).join('\n')}\n${[a.mentions.onCall, a.mentions.incidentCommanders].filter(Boolean).join(' ')}`,
    LIMITS.sectionText,
  );
  return {
    text,
    blocks: [
      section(text),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION.requestFromReports,
            text: { type: 'plain_text', text: truncate(`Start a rollback of ${a.environment}`, LIMITS.buttonText) },
            style: 'danger',
            value: a.environment,
          },
        ],
      },
    ],
  };
}

/** The post-mortem and RCA reminders Slack posts later in the rollback's channel. */
export function reminderText(r: Reminder, m: Mentions): string {
  const who = joinMentions(m.actor, m.incidentCommanders);
  if (r.kind === 'rca_due')
    return `:memo: Reminder: the RCA for rollback ${r.rollbackId} of ${r.environment} is due within the hour (by ${slackDate(r.due)}). ${who}`;
  const last = r.hours === 48 ? " — last day of the runbook's 24–48 h window" : '';
  return `:calendar: Post-mortem for rollback ${r.rollbackId} of ${r.environment}${last}: hold it, and paste \`/rollback timeline ${r.rollbackId}\` into the document. ${who}`;
}

/** "Platform team: #platform-team Slack — infrastructure issues": a line in their channel, linking the card. */
export function platformTeamAlert(rollback: Rollback, m: Mentions): string {
  const where = cardLink(rollback.card, `rollback ${rollback.id}`);
  return `:construction: Tooling or infrastructure error during ${where} of *${rollback.environment}*: ${esc(rollback.failure?.reason ?? 'see the thread')} ${m.platformTeam}`;
}
