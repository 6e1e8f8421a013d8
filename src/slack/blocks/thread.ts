/**
 * The threaded updates under the card: one per event worth telling, in plain words, with what to do next when
 * something failed.
 */
import { CHECKLIST } from '../../domain/checklist';
import { type AlertFact, changeWords, type Fact, type HandsOnChange, howWords, type RunRef } from '../../domain/facts';
import {
  type Deployment,
  mayHaveChangedProduction,
  type Rollback,
  statusWords,
  strategyOf,
} from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import { type ServiceResult } from '../../domain/findings';
import { RISK_LABEL } from '../../domain/risks';
import type { ProgressNote } from '../../ports';
import { wordsFor } from '../../runbook/strategies/words';
import {
  criteriaText,
  findingsText,
  migrationText,
  probeLine,
  rolledBackFromText,
  STEP_TITLE,
  stepTitle,
} from './card';
import { esc, link } from '../escape';
import { joinMentions } from '../mentions';
import { DATE_FORMAT, fitMessage, seconds, slackDate } from './limits';

/**
 * The mentions of the roles the runbook's escalation rules chose for one message (runbook/policies/audience.ts); a role not
 * chosen is ''. The renderer only places them.
 */
export interface Mentions {
  requester: string;
  actor: string;
  incidentCommanders: string;
  onCall: string;
  dba: string;
  platformTeam: string;
}

/** No one mentioned. */
export const NO_MENTIONS: Mentions = {
  requester: '',
  actor: '',
  incidentCommanders: '',
  onCall: '',
  dba: '',
  platformTeam: '',
};

const join = joinMentions;

const ACTION_WORDS: Record<string, string> = {
  approve: 'approve',
  cancel: 'cancel',
  tick: 'tick the checklist of',
  release: 'release the lock of',
};

/** Refused clicks and requests since the last summary, as one threaded line (each person was answered privately). */
export function refusalSummary(
  refusals: Array<Extract<RollbackEvent, { type: 'ApprovalRefused' | 'RequestRefused' }>>,
): string {
  const counts = new Map<string, number>();
  for (const e of refusals) {
    const what =
      e.type === 'RequestRefused'
        ? `<@${e.by}> asked for another rollback (${esc(e.why)})`
        : `<@${e.by}> tried to ${ACTION_WORDS[e.action] ?? e.action} this rollback (${esc(e.why)})`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  const lines = [...counts].slice(0, 10).map(([what, n]) => `• ${what}${n > 1 ? ` ×${n}` : ''}`);
  const more = counts.size > 10 ? `\n• …and ${counts.size - 10} more` : '';
  return `:no_entry: Turned away (${refusals.length})${timeSpan(refusals)}, each told why in private:\n${lines.join('\n')}${more}`;
}

/** " between <first> and <last>" for things summed up over a while; nothing when they all came at once. */
function timeSpan(items: Array<{ at: string }>): string {
  const times = items.map((i) => Date.parse(i.at)).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return '';
  const [first, last] = [Math.min(...times), Math.max(...times)];
  // A summary covers about a minute: the day once, then seconds, which tell its first and last apart.
  return first === last
    ? ''
    : ` between ${slackDate(first, DATE_FORMAT.dayAndTimeSecs)} and ${slackDate(last, DATE_FORMAT.timeSecs)}`;
}

/**
 * Deploys CI reported while deploys are locked, since the last summary, as one threaded line: how many, from whom,
 * which versions, and when the first and the last came. A single report is told as it is.
 */
export function deployRefusalSummary(
  reports: Array<{ at: string; fact: Extract<Fact, { kind: 'deploy_refused' }> }>,
): string {
  if (reports.length === 1) return factText(reports[0].fact);
  const byCaller = new Map<string, { n: number; versions: Map<string, number>; actors: Set<string> }>();
  for (const { fact } of reports) {
    const c = byCaller.get(fact.caller) ?? { n: 0, versions: new Map<string, number>(), actors: new Set<string>() };
    c.n++;
    c.versions.set(fact.version, (c.versions.get(fact.version) ?? 0) + 1);
    if (fact.actor) c.actors.add(fact.actor);
    byCaller.set(fact.caller, c);
  }
  const few = <T>(items: T[], max: number, show: (x: T) => string) =>
    items.slice(0, max).map(show).join(', ') + (items.length > max ? `, …(${items.length - max} more)` : '');
  const lines = [...byCaller].slice(0, 10).map(([caller, c]) => {
    const versions = few([...c.versions], 5, ([v, n]) => `\`${esc(v)}\` ×${n}`);
    const actors = c.actors.size > 0 ? ` (${few([...c.actors], 3, esc)})` : '';
    return `• ${esc(caller)}${actors}: ${versions}`;
  });
  const more = byCaller.size > 10 ? `\n• …and ${byCaller.size - 10} more` : '';
  return `:no_entry: *${reports.length} deploys reported while deploys are locked*${timeSpan(reports)}; the deploy gate answered 423 each time:\n${lines.join('\n')}${more}\nIf one went out anyway, production no longer runs what this rollback verified.`;
}

function serviceLine(r: ServiceResult): string {
  if (r.outcome === 'rolled_back')
    return `• ${esc(r.service)} (\`${esc(r.dockerService)}\`): \`${esc(r.fromVersion ?? '?')}\` → \`${esc(r.toVersion)}\` :white_check_mark:`;
  return `• ${esc(r.service)} (\`${esc(r.dockerService)}\`): :x: ${esc(r.detail ?? 'failed')} — now runs \`${esc(r.runningVersion ?? 'unknown')}\``;
}

/** The dry-run plan is text; its quote markers (`> ` at a line's start, written by the bot) stay quotes. */
function quotedPlan(plan: string): string {
  return plan
    .split('\n')
    .map((line) => (line.startsWith('> ') ? `> ${esc(line.slice(2))}` : esc(line)))
    .join('\n');
}

/** The newest lines of a deploy script's output, as a code block (which Slack never reads as markup). */
function scriptOutput(f: Extract<Fact, { kind: 'script_output' }>): string {
  const more =
    f.skipped > 0
      ? `_(${f.skipped} earlier line${f.skipped === 1 ? '' : 's'} not shown; all of it is in ${esc(f.outputFile)})_\n`
      : '';
  return `:scroll: Deploy script output:\n${more}\`\`\`\n${esc(f.lines.join('\n').replace(/```/g, "'''"))}\n\`\`\``;
}

/** What a hands-on change means for this rollback, and who must look. */
function handsOnText(r: Rollback, f: Extract<Fact, { kind: 'hands_on_change' }>, m: Mentions): string {
  const what = changeList(f.changes);
  const who = join(m.incidentCommanders, m.onCall);
  const back = r.status === 'completed' ? 'the version the rollback verified' : 'one known, working version';
  if (f.gated)
    return `<!here> :rotating_light: *Production changed while deploys are locked* after this rollback — a pipeline or a person ignored the deploy gate:\n${what}\nFind out who deployed, and bring production back to ${back}. ${who}`;
  const meaning = f.changes.every((c) => c.from === c.to)
    ? 'Only replica counts changed: the versions are as the card says.'
    : f.during === 'requested' || f.during === 'confirming'
      ? 'Step 1 may have read production before this: *Approve* checks it again first.'
      : f.during === 'awaiting_approval'
        ? "Step 1's findings are out of date: *Approve* runs Step 1 again first."
        : 'The card shows what the bot found before the change.';
  return `:raising_hand: *Production changed by hand* (not by the bot):\n${what}\n${meaning} ${who}`;
}

/** "• backend (`demo-backend`): `v2` → `v3` (by an update)", one line per change. */
function changeList(changes: HandsOnChange[]): string {
  return changes
    .map((c) => {
      const how = howWords(c);
      const replicas = c.replicas ? `, ${c.replicas.from} → ${c.replicas.to} replicas` : '';
      return `• ${esc(c.service)} (\`${esc(c.dockerService)}\`): \`${esc(c.from ?? 'unknown')}\` → \`${esc(c.to ?? 'unknown')}\`${replicas}${how ? ` (${esc(how)})` : ''}`;
    })
    .join('\n');
}

/** The runbook's facts in words; every outside value in them is escaped here. */
export function factText(f: Fact): string {
  const run = (r: RunRef) => link(r.url, `#${r.id}`);
  switch (f.kind) {
    case 'resuming':
      return `:recycle: The bot that was driving this rollback stopped; resuming from *${statusWords(f.from)}*.`;
    case 'ticket_opened':
      return `:ticket: Incident ticket: ${esc(f.url)}`;
    case 'on_call_paged':
      return ':rotating_light: On-call was paged (PagerDuty).';
    case 'page_resolved':
      return 'The PagerDuty alert was resolved.';
    case 'paging_failed':
      return `:warning: PagerDuty could not be reached (${esc(f.error)}): page on-call by hand.`;
    case 'github_untold':
      return `:warning: GitHub was not told ${esc(f.what)} (${esc(f.error)}). The rollback goes on; GitHub's deployments page may not show it.`;
    case 'run_unreachable':
      return `:hourglass: GitHub is not answering about run ${run(f.run)} (${esc(f.error)}); still following it.`;
    case 'run_status':
      return `:arrows_counterclockwise: Workflow run ${run(f.run)} is *${esc(f.status.replace(/_/g, ' '))}*.`;
    case 'dispatch_unclear':
      return `:hourglass: The workflow dispatch got no clear answer (${esc(f.error)}); looking for a run it may have started…`;
    case 'script_output':
      return scriptOutput(f);
    case 'hands_on_change':
      return `:raising_hand: Production changed by hand: ${esc(f.changes.map(changeWords).join(', '))}.`;
    case 'deploy_refused':
      return `:no_entry: *${esc(f.caller)} reported a deploy of \`${esc(f.version)}\` while deploys are locked*${f.actor ? ` (${esc(f.actor)}${f.url ? `, ${link(f.url, 'run')}` : ''})` : f.url ? ` (${link(f.url, 'run')})` : ''}: the deploy gate answered 423. If it went out anyway, production no longer runs what this rollback verified.`;
    case 'alert_firing':
      return f.proposed
        ? `:rotating_light: *Evidence — an alert fired soon after a deploy:* ${alertText(f.alert)}`
        : `:rotating_light: *Alert firing:* ${alertText(f.alert)}`;
    case 'alert_resolved':
      return `:large_green_circle: *Alert resolved:* ${alertText(f.alert)} — resolved ${slackDate(f.resolvedAt)}.`;
    case 'not_persisted':
      return `:floppy_disk: The bot could not record what this step did (${esc(f.event)}): its database did not answer (${esc(f.error)}). What happened in production stands; the rollback goes on from its last recorded step once the database answers (this bot or another replica picks it up, checking first that it is safe).`;
  }
}

/**
 * An alert in one line: its name and severity, its summary, since when, and a link to where it comes from. Every
 * part of it is the monitoring's text: escaped, and linked only when it is a web address.
 */
export function alertText(a: AlertFact): string {
  const severity = a.severity ? ` (${esc(a.severity)})` : '';
  const summary = a.summary ? `: ${esc(a.summary)}` : '';
  const source = a.generatorUrl && /^https?:\/\//i.test(a.generatorUrl) ? ` · ${link(a.generatorUrl, 'source')}` : '';
  return `*${esc(a.name)}*${severity}${summary} — firing since ${slackDate(a.startsAt)}${source}`;
}

/** What Step 3 started and follows (recorded so a restart knows), in the words of the rollback's strategy. */
function deploymentText(r: Rollback, d: Deployment): string {
  const words = wordsFor(r);
  const line = words.deploymentStarted?.(d) ?? [`:gear: ${STEP_TITLE.execute} (${words.words.option}) started.`];
  return line.map((piece) => (typeof piece === 'string' ? esc(piece) : link(piece.url, piece.label))).join('');
}

/** After a rollback whose Step 3 started, however it ended: deploys stay locked until the mark is cleared. */
const gateLine = (r: Rollback) =>
  `:no_entry: *The deploy gate of ${r.environment} stays shut* until an incident commander clears the mark (\`/rollback unlock ${r.environment} [reason]\`), and no version this rollback moved away from is proposed until then.`;

/** The incident commanders and on-call, as far as the rules chose them. */
const escalate = (m: Mentions) => join(m.incidentCommanders, m.onCall);

/**
 * The threaded line for an event, within Slack's 40,000 characters whatever it quotes (a failure's output, a reason):
 * a longer one is cut with a note saying where the whole story is.
 */
export function progressText(r: Rollback, event: RollbackEvent | ProgressNote, m: Mentions): string | null {
  const text = progressLine(r, event, m);
  return text === null
    ? null
    : fitMessage(text, `\n… (cut here: too long for Slack; \`/rollback timeline ${r.id}\` has it all)`);
}

function progressLine(r: Rollback, event: RollbackEvent | ProgressNote, m: Mentions): string | null {
  switch (event.type) {
    case 'CardPosted':
      return null;
    case 'Note':
      return event.fact.kind === 'hands_on_change' ? handsOnText(r, event.fact, m) : factText(event.fact);
    case 'ConfirmationStarted':
      return `*${STEP_TITLE.confirm}:* checking health, readiness and ${esc(wordsFor(r).words.inspecting)}…`;
    case 'IssueConfirmed': {
      const migrations =
        event.findings.migrations && event.findings.migrations.verdict !== 'none'
          ? `\n${migrationText(event.findings.migrations)}\n${m.dba}`
          : '';
      const undone = rolledBackFromText({ findings: event.findings, target: event.findings.target });
      const criteria = event.findings.criteria ? `\n${criteriaText(event.findings.criteria)}` : '';
      const ask = r.dryRun
        ? 'The plan follows; a dry run is never approved.'
        : `${join(m.onCall, m.incidentCommanders)} an incident commander's *Approve* is needed.`;
      return `*${STEP_TITLE.confirm}: done.*${criteria}\n${findingsText(event.findings, strategyOf(r))}\n${esc(wordsFor(r).words.ready)}${migrations}${undone ? `\n${undone}` : ''}\n${ask}`;
    }
    case 'ConfirmationFailed':
      return `:x: *${STEP_TITLE.confirm} failed:* ${esc(event.reason)}\n*Nothing was changed in production.* ${join(m.requester, escalate(m), m.platformTeam)}`.trim();
    case 'ApprovalGranted':
      return `:white_check_mark: Approved by <@${event.by}>. Announcing and rolling back.`;
    case 'ApprovalRefused':
      return `:no_entry: <@${event.by}> tried to ${event.action} this rollback and was refused: ${esc(event.why)}.`;
    case 'ChecklistPosted':
      return null;
    case 'DryRunReported':
      return `:clipboard: *Nothing was changed.* This is what the rollback would do:\n${quotedPlan(event.plan)}`;
    case 'RootCauseCleared':
      return `:white_check_mark: <@${event.by}> cleared the mark on ${r.environment}${event.why ? ` (${esc(event.why)})` : ''}: root cause investigated, deployments may resume (the deploy gate is open), and the versions rollbacks moved away from may be proposed again.`;
    case 'ChecklistItemTicked':
      return `:ballot_box_with_check: <@${event.by}> ticked *${CHECKLIST.find((c) => c.key === event.item)?.label ?? event.item}*.`;
    case 'RiskAcknowledged':
      return `:ballot_box_with_check: <@${event.by}> acknowledged: *${RISK_LABEL[event.risk]}*.`;
    case 'StepOverran': {
      const budget = `${Math.round(event.budgetMs / 1000)} s`;
      const who = escalate(m);
      const paged = event.factor >= 2 ? ' On-call is paged.' : '';
      return `:alarm_clock: *${stepTitle(event.step, r)}* is over ${event.factor >= 2 ? 'twice ' : ''}its budget of ${budget} (the runbook's time limit).${paged} ${who}`;
    }
    case 'RequestRefused':
      return `:no_entry: <@${event.by}> asked for another rollback of ${r.environment} and was pointed here: ${esc(event.why)}.`;
    case 'RollbackInterrupted':
      return [
        `:warning: *Interrupted:* ${esc(event.reason)}`,
        `*${esc(wordsFor(r).words.reportsNow)}:*`,
        event.services
          .map((s) => `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): \`${esc(s.version ?? 'unknown')}\``)
          .join('\n') || '• unknown',
        `*Next steps:* ${esc(wordsFor(r).interruptedNextSteps(r))} ${escalate(m)}`,
        ...(mayHaveChangedProduction(r) ? [gateLine(r)] : []),
      ].join('\n');
    case 'RollbackCancelled':
      return `:no_entry_sign: Cancelled by <@${event.by}>${event.why ? ` (${esc(event.why)})` : ''}. Nothing was changed in production.`;
    case 'ApprovalRecorded':
      return `:ballot_box_with_check: <@${event.by}> approved. Four eyes: a second incident commander must *Approve* too. ${m.incidentCommanders}`;
    case 'ApprovalExpired':
      return `:hourglass: Expired: nobody approved within ${Math.round(event.afterMs / 60_000)} min, and production may have changed since Step 1. Nothing was changed; the environment is free. Request a new rollback if it is still needed.`;
    case 'ProductionChanged':
      if (!event.by)
        return [
          ':raising_hand: *Production changed by hand* while this card awaited approval (not by the bot):',
          changeList(event.changes ?? []) || '• unknown',
          `What Step 1 found, acknowledged and approved no longer holds: Step 1 runs again, then approve the new card if the rollback is still right. ${join(m.incidentCommanders, m.onCall)}`.trim(),
        ].join('\n');
      return [
        `:warning: <@${event.by}> pressed Approve, but production changed since Step 1 — nothing was done. What runs now:`,
        event.services
          .map((s) => `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): \`${esc(s.version ?? 'unknown')}\``)
          .join('\n') || '• unknown',
        'Step 1 runs again; approve the new card when it is ready.',
      ].join('\n');
    case 'OutcomeUnknown':
      return [
        `:rotating_light: *Outcome unknown:* ${esc(event.reason)}`,
        event.services
          .map((s) => `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): \`${esc(s.version ?? 'unknown')}\``)
          .join('\n') || '• unknown',
        `*The environment stays locked* so that nothing else deploys over it. Find out what happened, bring the environment to one known version, then press *Release the lock* on the card. ${escalate(m)}`,
      ].join('\n');
    case 'LockReleased':
      return `:unlock: <@${event.by}> released the lock${event.why ? ` (${esc(event.why)})` : ''}: the rollback is marked interrupted, and ${r.environment} can be rolled back again. ${gateLine(r)}`;
    case 'ChecklistItemUnticked':
      return `:warning: *${CHECKLIST.find((c) => c.key === event.item)?.label ?? event.item}* is open again: ${esc(event.why)}.`;
    // A hands-on change's threaded line is the note the watcher posts with it.
    case 'TicketLinked':
    case 'GitHubDeploymentMoved':
    case 'HandsOnChange':
      return null;
    case 'RollbackAnnounced':
      return `*${STEP_TITLE.announce}: done.* The team was told in the channel.`;
    case 'AnnouncementFailed':
      if (event.step === 'announce') {
        return `:x: *${STEP_TITLE.announce} failed:* ${esc(event.reason)}\n*Nothing was changed in production.* Post the runbook's announcement by hand and start again. ${escalate(m)}`;
      }
      return `:warning: The rollback is done and verified, but ${esc(event.reason)}. Post the runbook's ROLLBACK COMPLETE message by hand.`;
    case 'DeploymentStarted':
      return deploymentText(r, event.deployment);
    case 'ServicesRolledBack':
      return `*${stepTitle('execute', r)}: done.*\n${event.results.map(serviceLine).join('\n')}`;
    case 'ExecutionFailed':
      return [
        `:x: *${stepTitle('execute', r)} failed:* ${esc(event.reason)}`,
        '*State of each service:*',
        event.results.map(serviceLine).join('\n') || '• unknown',
        '*Next steps:*',
        ...wordsFor(r)
          .manualRecovery(
            r,
            event.results.filter((x) => x.outcome !== 'rolled_back'),
          )
          .map(esc),
        '• Do not start another rollback until every service is in a known state.',
        gateLine(r),
        join(escalate(m), m.platformTeam),
      ].join('\n');
    case 'RollbackVerified': {
      const smoke = event.evidence.smokeTests
        .map((s) => `${esc(s.name)} ${s.ok ? ':white_check_mark:' : ':x:'}`)
        .join(', ');
      return `*${STEP_TITLE.verify}: done.*\n${probeLine('Health', event.evidence.health)}${smoke ? `\n*Smoke tests:* ${smoke}` : ''}`;
    }
    case 'VerificationFailed': {
      const smoke = event.evidence.smokeTests.map(
        (s) =>
          `• ${esc(s.name)}: ${s.ok ? ':white_check_mark:' : `:x: ${esc(s.error ?? `HTTP ${s.status}, expected ${s.expectedStatus}`)}`}`,
      );
      return [
        `:x: *${STEP_TITLE.verify} failed:* ${esc(event.reason)}`,
        probeLine('Health', event.evidence.health),
        ...smoke,
        `*State:* ${esc(wordsFor(r).verifyFailedState(r))}`,
        '*Next steps:* check the service logs (`docker service logs &lt;service&gt;`) and the health endpoint by hand; decide whether to roll back further (`/rollback &lt;environment&gt; to &lt;older version&gt;`) or escalate.',
        gateLine(r),
        escalate(m),
      ].join('\n');
    }
    case 'ResolutionAnnounced': {
      const total = r.approvedBy
        ? ` ${seconds(r.steps.announce.startedAt ?? r.requestedAt, event.at)} after approval.`
        : '';
      return `*${STEP_TITLE.complete}: done.* Rolled back to \`${esc(r.target)}\`.${total}\n:warning: *${r.environment} is marked rolled back.* Investigate the root cause and add a regression test for the failure before the next deployment; an incident commander clears the mark on the card. ${m.incidentCommanders}`;
    }
  }
}
