/**
 * The rollback card: one message per rollback, re-rendered from the stored state at every transition.
 */
import { type Evaluation, OVERALL_LABEL, type SignalVerdict } from '../../domain/criteria';
import type { Rollback, StepName, StepRecord, Status, Strategy } from '../../domain/rollback';
import type { Findings, MigrationFinding, ProbeObservation, VerificationEvidence } from '../../domain/findings';
import type { Risk } from '../../domain/risks';
import {
  BOT_REQUESTER,
  isTerminal,
  LEGACY_STRATEGY,
  mayHaveChangedProduction,
  STEPS,
  statusWords,
  strategyOf,
} from '../../domain/rollback';
import { RISK_LABEL, unacknowledged } from '../../domain/risks';
import { currentVersionOf } from '../../domain/templates';
import { changeWords } from '../../domain/facts';
import { wordsFor, wordsOf } from '../../runbook/strategies/words';
import { esc, link } from '../escape';
import { ACTION, BLOCK } from '../ids';
import { type Block, context, fitLines, LIMITS, section, seconds, slackDate, truncate } from './limits';

export const STATUS_LABEL: Record<Status, string> = {
  requested: ':hourglass_flowing_sand: Requested',
  confirming: ':mag: Confirming the issue',
  awaiting_approval: ':raised_hand: Awaiting approval',
  executing: ':arrows_counterclockwise: Rolling back',
  verifying: ':stethoscope: Verifying',
  completed: ':white_check_mark: Completed',
  failed: ':x: Failed',
  cancelled: ':no_entry_sign: Cancelled',
  interrupted: ':warning: Interrupted',
  rehearsed: ':clipboard: Dry run done (nothing changed)',
  expired: ':hourglass: Expired (nobody approved in time; nothing changed)',
  unresolved: ':rotating_light: Outcome unknown — environment locked until an incident commander looks',
};

export const STEP_TITLE: Record<StepName, string> = {
  confirm: 'Step 1 — Confirm the issue',
  announce: 'Step 2 — Announce the rollback',
  execute: 'Step 3 — Execute the rollback',
  verify: 'Step 4 — Verify the rollback',
  complete: 'Step 5 — Announce the resolution',
};

/** A step's title; Step 3 says which of the runbook's options it uses. */
export const stepTitle = (name: StepName, r: Pick<Rollback, 'strategy'>): string =>
  name === 'execute' ? `${STEP_TITLE.execute} (${esc(wordsFor(r).words.option)})` : STEP_TITLE[name];

const STEP_ICON: Record<StepRecord['status'], string> = {
  pending: ':white_circle:',
  running: ':large_blue_circle:',
  done: ':white_check_mark:',
  failed: ':x:',
};

export const TARGET_SOURCE_LABEL = {
  requested: 'named in the request',
  swarm_previous_spec: "Swarm's PreviousSpec",
  last_verified: 'last version verified healthy by this bot',
  previous_deploy: 'the deploy before the current one, as CI reported it',
} as const;

/** The runbook's time limit per step, in ms, for the card ("3.2 s of 2 min"). */
export type StepBudgets = Partial<Record<StepName, number>>;

const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

function stepLine(r: Rollback, name: StepName, s: StepRecord, budgetMs: number | undefined, overran: boolean): string {
  const budget = budgetMs ? ` of ${minutes(budgetMs)}` : '';
  let timing = '';
  if (s.startedAt && s.endedAt) timing = ` · ${seconds(s.startedAt, s.endedAt)}${budget}`;
  else if (s.startedAt)
    timing = ` · running since ${slackDate(s.startedAt)}${budgetMs ? ` (budget ${minutes(budgetMs)})` : ''}`;
  return `${STEP_ICON[s.status]} ${stepTitle(name, r)}${timing}${overran ? ' :alarm_clock: over budget' : ''}`;
}

export function probeLine(label: string, o: ProbeObservation | null): string {
  if (!o) return `*${label}:* not configured`;
  const icon = o.ok ? ':white_check_mark:' : ':x:';
  const what = o.status !== undefined ? `HTTP ${o.status}${o.html ? ', HTML page' : ''}` : esc(o.error ?? 'no answer');
  const version = o.version ? `, version \`${esc(o.version)}\`` : '';
  const tries = o.attempts > 1 ? ` (attempt ${o.attempts})` : '';
  const body = !o.version && !o.html && o.body ? ` — \`${esc(truncate(o.body.replace(/`/g, "'"), 120))}\`` : '';
  return `*${label}:* ${icon} ${what}${version}${tries}${body}`;
}

/** "`v2` deployed 14:02 by CI run #812, commit `abc1234`": what CI reported of what runs now. */
export function deployLine(d: NonNullable<Findings['deploy']>): string {
  const by = d.actor ? ` by ${d.url ? link(d.url, d.actor) : esc(d.actor)}` : d.url ? ` (${link(d.url, 'run')})` : '';
  const commit = d.commit ? `, commit \`${esc(d.commit.slice(0, 12))}\`` : '';
  return `*Deployed:* \`${esc(d.version)}\` ${slackDate(d.at)}${by}${commit}`;
}

/** "health HTTP 404": one probe in a few words. */
function probeSummary(label: string, o: ProbeObservation | null): string {
  if (!o) return `${label} not configured`;
  return `${label} ${o.status !== undefined ? `HTTP ${o.status}` : esc(truncate(o.error ?? 'no answer', 100))}`;
}

/** Step 4's proof: health (with the version it reports) and the smoke tests, on the completed card. */
export function verificationText(v: VerificationEvidence): string {
  const passed = v.smokeTests.filter((t) => t.ok).length;
  const failed = v.smokeTests.filter((t) => !t.ok).map((t) => esc(truncate(t.name, 80)));
  const smoke = v.smokeTests.length
    ? `\n*Smoke tests:* ${passed}/${v.smokeTests.length} passed${failed.length ? ` (failed: ${fitLines(failed, 500, (n) => `${n} more`).replace(/\n/g, ', ')})` : ''}`
    : '';
  return `:white_check_mark: *Verified (Step 4)*\n${probeLine('Health', v.health)}${smoke}`;
}

const VERDICT_ICON: Record<SignalVerdict, string> = {
  met: ':red_circle:',
  not_met: ':large_green_circle:',
  unknown: ':grey_question:',
};

export function criteriaText(e: Evaluation): string {
  const rows = e.rows.map(
    (r) => `${VERDICT_ICON[r.verdict]} ${esc(r.label)} · ${esc(r.threshold)} · observed ${esc(r.observed)}`,
  );
  return [`*Decision criteria:* *${OVERALL_LABEL[e.overall]}*`, ...rows].join('\n');
}

/** At most this many migration files are named; the rest are counted. */
const MIGRATION_FILES_SHOWN = 10;
/** The footer's link to the rollback's GitHub Deployment, with what GitHub was last told. */
function githubDeploymentText(r: Rollback): string {
  const d = r.githubDeployment;
  if (!d?.url) return '';
  const label = `GitHub deployment${d.id ? ` #${d.id}` : ''}`;
  const state = d.state === 'in_progress' ? 'in progress' : d.state;
  return ` · ${link(d.url, label)} (${state})`;
}

/** The card footer's block_id, followed by the rollback's stored version. */
export const CARD_FOOTER_BLOCK = 'card-footer-v';

export function migrationText(m: MigrationFinding): string {
  const shown = m.files.slice(0, MIGRATION_FILES_SHOWN).map((f) => `\`${esc(truncate(f, 200))}\``);
  const more = m.files.length - shown.length;
  const files = m.files.length ? `: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : '';
  const head =
    m.verdict === 'included'
      ? `:warning: *The bad deployment includes database migrations* (${esc(truncate(m.source, 300))})${files}`
      : `:warning: *Database migrations: unknown* (${esc(truncate(m.source, 300))})`;
  return [
    head,
    'Migrations are forward-only. *Do not run `alembic downgrade` in production* unless the migration was designed to be reversible.',
    'Instead: create a reversal migration (`alembic revision --autogenerate -m "Revert: …"`), dry-run it on staging, then `alembic upgrade head`. If data was corrupted, restore from the most recent backup.',
    'Rolling the code back leaves the schema as it is. The bot never runs a downgrade.',
  ].join('\n');
}

/** The target named with `to` is a version a rollback since the last clearing moved production away from. */
export function rolledBackFromText(r: Pick<Rollback, 'findings' | 'target'>): string | null {
  const undone = r.findings?.rolledBackFrom;
  if (!undone) return null;
  return truncate(
    `:warning: *Since the last clearing, rollback ${esc(undone.rollbackId)} moved production away from \`${esc(r.target ?? r.findings?.target ?? '?')}\`* (it ended ${esc(undone.status)}). Rolling back to it may bring back what that rollback was for: an incident commander must press *${RISK_LABEL.rolled_back_from}* before Approve counts.`,
    LIMITS.sectionText,
  );
}

/**
 * What the card says of the deploy gate once this rollback marks its environment (Step 3 started), whatever its
 * state, until an incident commander clears the mark. Null when it does not mark it.
 */
function gateText(r: Rollback): string | null {
  if (!mayHaveChangedProduction(r) || r.rootCauseCleared) return null;
  const unlock = `\`/rollback unlock ${r.environment} [reason]\``;
  if (r.status === 'completed')
    return `:warning: *${r.environment} is marked rolled back.* Investigate the root cause and add a regression test before re-attempting the deployment. The deploy gate of ${r.environment} is shut until an incident commander clears the mark: the button below, or ${unlock}.`;
  if (r.status === 'unresolved')
    return `:no_entry: *The deploy gate of ${r.environment} is shut*, and stays shut after the lock is released, until an incident commander clears the mark: ${unlock}.`;
  if (!isTerminal(r.status)) return null;
  return `:no_entry: *The deploy gate of ${r.environment} is shut.* This rollback ${statusWords(r.status)} after Step 3 had started: production may run the old version, the target, or a mix. Bring every service to one known, working version; then an incident commander clears the mark: the button below, or ${unlock}.`;
}

/**
 * Step 1's evidence. On the card (`fit`) the list of services is shortened to what fits a section, with how many
 * more there are and where they are (the thread's Step 1 line has them all).
 */
export function findingsText(f: Findings, strategy: Strategy = LEGACY_STRATEGY, fit = false): string {
  const lines = f.services.map(
    (s) =>
      `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): runs \`${esc(s.version ?? 'unknown')}\`${s.previousVersion ? `, previous \`${esc(s.previousVersion)}\`` : ''}`,
  );
  const target = f.target
    ? `*Proposed target:* \`${esc(f.target)}\` — ${f.targetSource ? TARGET_SOURCE_LABEL[f.targetSource] : esc(f.targetNote)}`
    : `*Proposed target:* none — ${esc(f.targetNote)}`;
  const head = [
    probeLine('Health', f.health),
    probeLine('Ready', f.ready),
    ...(f.deploy ? [deployLine(f.deploy)] : []),
    `*${esc(wordsOf(strategy).words.versions)}:*`,
  ];
  if (!fit) return [...head, lines.join('\n'), target].join('\n');
  const fixed = truncate(head.join('\n'), 1000);
  const shortTarget = truncate(target, 500);
  const services = fitLines(
    lines,
    LIMITS.sectionText - fixed.length - shortTarget.length - 2,
    (left) => `…and ${left} more service${left === 1 ? '' : 's'}: every one is in the thread (Step 1).`,
  );
  return [fixed, services, shortTarget].join('\n');
}

/** The bot's own proposals are "requested" by it: say so in words, not as a broken mention. */
export function requesterText(r: Rollback): string {
  return r.requestedBy === BOT_REQUESTER
    ? '*Proposed by Rollback Bot* (decision criteria tripped)'
    : `*Requested by* <@${r.requestedBy}>`;
}

export interface CardMessage {
  text: string;
  blocks: Block[];
}

export function rollbackCard(r: Rollback, budgets: StepBudgets = {}): CardMessage {
  const current = r.findings ? currentVersionOf(r.findings.services) : 'checking…';
  const target =
    r.target ??
    r.requestedTarget ??
    (r.status === 'confirming' || r.status === 'requested' ? 'being determined' : 'none');
  // Step 4's proof, once the rollback completed: what the card leads with from then on.
  const verified = r.status === 'completed' && r.verification ? (r.verification.health.version ?? target) : null;
  const header = truncate(
    `${r.dryRun ? 'DRY RUN · ' : ''}${r.requestedBy === BOT_REQUESTER ? 'Proposed rollback' : 'Rollback'} · ${r.environment}`,
    LIMITS.header,
  );
  const who = [`${requesterText(r)} ${slackDate(r.requestedAt)}`];
  if (r.approvedBy) who.push(`*Approved by* <@${r.approvedBy}>`);
  if (r.cancelledBy) who.push(`*Cancelled by* <@${r.cancelledBy}>`);

  const changed = changedSinceText(r);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: header, emoji: true } },
    // First thing under the header: whatever the card says below about versions no longer holds.
    ...(changed ? [section(changed)] : []),
    section(
      `*Status:* ${STATUS_LABEL[r.status]}\n${who.join(' · ')}\n*Reason:* ${r.reason ? esc(r.reason) : '(no reason given)'}`,
    ),
    {
      type: 'section',
      // Once verified, the card says what runs now first: an SRE glancing at it must not read Step 1's "v2" as now.
      fields: verified
        ? [
            {
              type: 'mrkdwn',
              text: truncate(`*${changed ? 'Verified in Step 4' : 'Now running'}*\n\`${esc(verified)}\``, LIMITS.field),
            },
            { type: 'mrkdwn', text: truncate(`*Rolled back from*\n\`${esc(current)}\``, LIMITS.field) },
          ]
        : [
            { type: 'mrkdwn', text: truncate(`*Current version*\n\`${esc(current)}\``, LIMITS.field) },
            { type: 'mrkdwn', text: truncate(`*Rolling back to*\n\`${esc(target)}\``, LIMITS.field) },
          ],
    },
    section(STEPS.map((s) => stepLine(r, s, r.steps[s], budgets[s], r.overruns.includes(`${s}:1`))).join('\n')),
  ];
  if (verified && r.verification) {
    blocks.push({ type: 'divider' }, section(verificationText(r.verification)));
    if (r.findings?.migrations && r.findings.migrations.verdict !== 'none')
      blocks.push(section(migrationText(r.findings.migrations)));
    if (r.findings)
      blocks.push(
        context(
          `Before the rollback (Step 1): ${probeSummary('health', r.findings.health)}, ${esc(current)} — Step 1's evidence is in the thread.`,
        ),
      );
  } else if (r.findings) {
    blocks.push({ type: 'divider' });
    if (r.findings.migrations && r.findings.migrations.verdict !== 'none')
      blocks.push(section(migrationText(r.findings.migrations)));
    const undone = rolledBackFromText(r);
    if (undone) blocks.push(section(undone));
    if (r.findings.criteria) blocks.push(section(criteriaText(r.findings.criteria)));
    blocks.push(section(findingsText(r.findings, strategyOf(r), true)));
    if (r.findings.tooling?.length) {
      blocks.push(
        context(
          r.findings.tooling
            .map((t) => `${t.ok ? ':white_check_mark:' : ':x:'} ${esc(t.tool)}: ${esc(t.detail)}`)
            .join(' · '),
        ),
      );
    }
  }
  // Why Step 1 ran again (and what it found then), as long as the rollback has not gone past the decision.
  if (r.productionChanged && !r.approvedBy) blocks.push(context(productionChangedText(r.productionChanged, r.status)));
  if (r.acknowledgements.length > 0) {
    blocks.push(
      context(r.acknowledgements.map((a) => `:ballot_box_with_check: <@${a.by}>: ${RISK_LABEL[a.risk]}`).join(' · ')),
    );
  }
  if (r.failure) {
    const what =
      r.status === 'interrupted'
        ? ':warning: *Interrupted at'
        : r.status === 'unresolved'
          ? ':rotating_light: *Outcome unknown at'
          : r.status === 'expired'
            ? ':hourglass: *Expired at'
            : ':x: *Failed at';
    blocks.push(
      section(
        `${what} ${stepTitle(r.failure.step, r)}:* ${esc(r.failure.reason)}\nDetails and next steps are in the thread.`,
      ),
    );
  }
  const buttons = decisionButtons(r);
  if (buttons) blocks.push(buttons);
  if (r.rootCauseCleared) {
    blocks.push(
      context(
        `:white_check_mark: Root cause investigated — mark cleared by <@${r.rootCauseCleared.by}> ${slackDate(r.rootCauseCleared.at)}`,
      ),
    );
  }
  const gate = gateText(r);
  if (gate) blocks.push(section(gate));
  // The mark is cleared on a rollback that has ended (an unknown outcome is released first).
  if (gate && isTerminal(r.status)) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.clearRootCause,
          text: { type: 'plain_text', text: 'Root cause investigated: clear the mark' },
          value: r.id,
        },
      ],
    });
  }
  // The footer's block_id names the stored version it was drawn from: whoever reads the card back (a test, a
  // replica) can tell a card of this state from one a moment older, which the footer's time, to the second, cannot.
  blocks.push({
    ...context(`Rollback \`${r.id}\` · updated ${slackDate(r.updatedAt)}${githubDeploymentText(r)}`),
    block_id: `${CARD_FOOTER_BLOCK}${r.version}`,
  });

  const text = truncate(
    `${r.dryRun ? 'DRY RUN: ' : ''}Rollback of ${r.environment}: ${STATUS_LABEL[r.status].replace(/^:[a-z_]+: /, '')} — target ${esc(target)}${changed ? ' (production changed since, without the bot)' : ''}`,
    LIMITS.messageText,
  );
  return { text, blocks: blocks.slice(0, LIMITS.blocks) };
}

/**
 * Production changed without the bot after this rollback, past its locked gate: when and what (service, from → to,
 * by what), the latest few, so that nobody reads the versions below as what runs now.
 */
function changedSinceText(r: Rollback): string | null {
  const since = r.changedSince;
  if (!since?.latest.length) return null;
  const earlier = since.count - since.latest.length;
  const lines = [
    ...(earlier > 0 ? [`• …${earlier} earlier, in the thread`] : []),
    ...since.latest.map((c) => `• ${slackDate(c.at)}: ${esc(c.changes.map(changeWords).join(', '))}`),
  ];
  const head = ':warning: *Production changed since this rollback, without the bot, while deploys were locked:*';
  const tail = `What the card shows below is what this rollback left, not what runs now.${r.rootCauseCleared ? ' Deploys are open again since the mark was cleared: later changes are not shown here.' : ''}`;
  const room = LIMITS.sectionText - head.length - tail.length - 2;
  return [head, fitLines(lines, room, (n) => `…and ${n} more, in the thread`), tail].join('\n');
}

/** The card's line once production changed under it: when, how (by hand or found at Approve), and what. */
function productionChangedText(p: NonNullable<Rollback['productionChanged']>, status: Rollback['status']): string {
  const what = p.changes?.length ? `: ${esc(p.changes.map(changeWords).join(', '))}` : '';
  const how = p.by ? `found when <@${p.by}> pressed Approve` : 'by hand, not by the bot';
  const then =
    status === 'confirming'
      ? 'Step 1 runs again.'
      : status === 'awaiting_approval'
        ? 'Step 1 ran again: what the card shows is what runs now.'
        : 'Step 1 ran again on what runs now.';
  return truncate(
    `:raising_hand: *Production changed* ${slackDate(p.at)} (${how})${what}. ${then}`,
    LIMITS.sectionText,
  );
}

const ACK_ACTION: Record<Risk, string> = {
  no_criterion: ACTION.ackNoCriterion,
  migrations: ACTION.ackMigrations,
  rolled_back_from: ACTION.ackRolledBackFrom,
};

function ackButton(r: Rollback, risk: Risk): Block {
  return {
    type: 'button',
    action_id: ACK_ACTION[risk],
    text: { type: 'plain_text', text: truncate(RISK_LABEL[risk], LIMITS.buttonText) },
    value: r.id,
  };
}

function decisionButtons(r: Rollback): Block | null {
  const cancel = {
    type: 'button',
    action_id: ACTION.cancel,
    text: { type: 'plain_text', text: 'Cancel' },
    style: 'danger',
    value: r.id,
  };
  if (r.status === 'awaiting_approval' && r.target && !r.dryRun) {
    const approve = {
      type: 'button',
      action_id: ACTION.approve,
      text: { type: 'plain_text', text: 'Approve' },
      style: 'primary',
      value: r.id,
      confirm: {
        title: { type: 'plain_text', text: 'Roll back now?' },
        text: {
          type: 'mrkdwn',
          text: truncate(
            `${r.productionChanged ? `Production changed ${slackDate(r.productionChanged.at)} while this card awaited approval; Step 1 ran again and the card shows what runs now. ` : ''}Every service of *${r.environment}* goes to \`${esc(r.target)}\`, and the channel is told.`,
            300,
          ),
        },
        confirm: { type: 'plain_text', text: 'Roll back' },
        deny: { type: 'plain_text', text: 'Not yet' },
      },
    };
    const acks = unacknowledged(r).map((risk) => ackButton(r, risk));
    return { type: 'actions', block_id: BLOCK.decision, elements: [approve, cancel, ...acks] };
  }
  if (r.status === 'requested' || r.status === 'confirming')
    return { type: 'actions', block_id: BLOCK.decision, elements: [cancel] };
  if (r.status === 'unresolved') {
    return {
      type: 'actions',
      block_id: BLOCK.decision,
      elements: [
        {
          type: 'button',
          action_id: ACTION.releaseLock,
          text: { type: 'plain_text', text: 'Release the lock' },
          value: r.id,
          confirm: {
            title: { type: 'plain_text', text: 'Release the lock?' },
            text: {
              type: 'mrkdwn',
              text: truncate(
                `Only once you know what runs in *${r.environment}* now: releasing lets the next rollback go ahead. Deploys stay locked until an incident commander clears the mark (\`/rollback unlock ${r.environment}\`).`,
                300,
              ),
            },
            confirm: { type: 'plain_text', text: 'Release' },
            deny: { type: 'plain_text', text: 'Not yet' },
          },
        },
      ],
    };
  }
  return null;
}

/**
 * The card with nothing but plain words and the buttons: what is sent when Slack refuses the full card
 * (invalid_blocks), so that the incident commander can still approve or cancel.
 */
export function minimalCard(r: Rollback): CardMessage {
  const text = `Rollback of ${r.environment} (${r.id}): ${STATUS_LABEL[r.status]}, target ${esc(r.target ?? 'not yet known')}. (The full card could not be shown.)`;
  const blocks: Block[] = [section(text)];
  const buttons = decisionButtons(r);
  if (buttons) blocks.push(buttons);
  return { text, blocks };
}

/**
 * The card Slack posted although its answer never came back in time: the requester was told nothing was started,
 * so the card says so too, with no button left to press.
 */
export function notStartedCard(r: Rollback): CardMessage {
  const text = `Not started: the rollback of ${r.environment} (${r.id}). Slack answered too late when this card was posted, so the bot started nothing and changed nothing in production. Request a new rollback if it is still needed.`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(`Rollback · ${r.environment}`, LIMITS.header) } },
      section(
        `*Status:* :no_entry_sign: Not started\n${requesterText(r)} ${slackDate(r.requestedAt)}\nSlack answered too late when this card was posted, so the bot started nothing and *changed nothing in production*; the requester was told in private. Request a new rollback if it is still needed.`,
      ),
      context(`Rollback ${r.id}`),
    ],
  };
}

/**
 * A copy of the card Slack kept from a try whose answer was lost, while a later try posted the card the bot follows:
 * it points there, with no button left to press (both copies carry the rollback's id, so either would act).
 */
export function duplicateCard(r: Rollback, liveUrl: string): CardMessage {
  const text = `Duplicate: a second copy of the card of rollback ${r.id} (${r.environment}). Slack kept it although its answer was lost, and the bot follows the live card: ${liveUrl}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(`Rollback · ${r.environment}`, LIMITS.header) } },
      section(
        `*Status:* :warning: Duplicate — not updated\nSlack kept this copy of the card although its answer was lost; the bot posted it again and follows <${liveUrl}|the live card>. Approve, cancel and follow the rollback there.`,
      ),
      context(`Rollback ${r.id}`),
    ],
  };
}
