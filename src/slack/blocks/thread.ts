/**
 * The threaded updates under the card: one per event worth telling, in plain words, with what to do next when
 * something failed.
 */
import { CHECKLIST } from '../../domain/checklist';
import { type Rollback, type RollbackEvent, strategyOf } from '../../domain/rollback.machine';
import { type ServiceResult } from '../../domain/findings';
import { RISK_LABEL } from '../../domain/risks';
import type { ProgressNote } from '../../ports';
import { strategyFor } from '../../runbook/strategies';
import { criteriaText, findingsText, migrationText, probeLine, STEP_TITLE, stepTitle } from './card';
import { esc, link } from '../escape';
import { LIMITS, seconds, truncate } from './limits';

export interface Mentions {
  incidentCommanders: string;
  onCall: string;
  dba?: string;
  platformTeam?: string;
}

/** Errors of the deployment tooling or the infrastructure under it: the platform team's to look at. */
export const TOOLING_CODES: readonly string[] = [
  'DOCKER_UNREACHABLE',
  'IMAGE_PULL_FAILED',
  'SERVICE_UPDATE_FAILED',
  'SWARM_UPDATE_PAUSED',
  'SWARM_ROLLED_BACK',
  'SCRIPT_NOT_RUNNABLE',
  'WORKFLOW_RATE_LIMITED',
];

export function isToolingFailure(event: RollbackEvent | ProgressNote): boolean {
  return (
    (event.type === 'ConfirmationFailed' || event.type === 'ExecutionFailed') &&
    event.code !== undefined &&
    TOOLING_CODES.includes(event.code)
  );
}

const join = (...mentions: (string | undefined)[]) => mentions.filter(Boolean).join(' ');

/** Who is mentioned in a dry run: no one (it can never be approved). */
export const NO_MENTIONS: Mentions = { incidentCommanders: '', onCall: '', dba: '', platformTeam: '' };

/** Errors in what the requester asked for (a version nobody can pull): theirs to fix, nobody is paged. */
export const USER_ERROR_CODES: readonly string[] = ['TARGET_UNAVAILABLE', 'VERSION_INVALID'];

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
  return `:no_entry: Turned away (${refusals.length}), each told why in private:\n${lines.join('\n')}${more}`;
}

export { mentionsOf } from '../../domain/mentions';

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

/** A note is the bot's own words with outside text in it: shown escaped, with its link (if any) written by us. */
function noteText(n: ProgressNote): string {
  const text = esc(n.text);
  return n.link ? text.replace('{link}', link(n.link.url, n.link.label)) : text;
}

const escalate = (m: Mentions) => [m.incidentCommanders, m.onCall].filter(Boolean).join(' ');

export function progressText(r: Rollback, event: RollbackEvent | ProgressNote, m: Mentions): string | null {
  const t = (s: string) => truncate(s, LIMITS.messageText);
  switch (event.type) {
    case 'CardPosted':
      return null;
    case 'Note':
      return t(noteText(event));
    case 'ConfirmationStarted':
      return `*${STEP_TITLE.confirm}:* checking health, readiness and ${esc(strategyFor(r).words.inspecting)}…`;
    case 'IssueConfirmed': {
      const migrations =
        event.findings.migrations && event.findings.migrations.verdict !== 'none'
          ? `\n${migrationText(event.findings.migrations)}\n${join(m.dba)}`
          : '';
      const criteria = event.findings.criteria ? `\n${criteriaText(event.findings.criteria)}` : '';
      const ask = r.dryRun
        ? 'The plan follows; a dry run is never approved.'
        : `${join(m.onCall, m.incidentCommanders)} an incident commander's *Approve* is needed.`;
      return t(
        `*${STEP_TITLE.confirm}: done.*${criteria}\n${findingsText(event.findings, strategyOf(r))}\n${esc(strategyFor(r).words.ready)}${migrations}\n${ask}`,
      );
    }
    case 'ConfirmationFailed':
      if (event.code && USER_ERROR_CODES.includes(event.code)) {
        return t(
          `:x: *${STEP_TITLE.confirm} failed:* ${esc(event.reason)}\n*Nothing was changed in production.* ${r.requestedBy.startsWith('U') || r.requestedBy.startsWith('W') ? `<@${r.requestedBy}>` : ''}`.trim(),
        );
      }
      return t(
        `:x: *${STEP_TITLE.confirm} failed:* ${esc(event.reason)}\n*Nothing was changed in production.* ${r.dryRun ? '' : join(escalate(m), isToolingFailure(event) ? m.platformTeam : undefined)}`.trim(),
      );
    case 'ApprovalGranted':
      return `:white_check_mark: Approved by <@${event.by}>. Announcing and rolling back.`;
    case 'ApprovalRefused':
      return `:no_entry: <@${event.by}> tried to ${event.action} this rollback and was refused: ${esc(event.why)}.`;
    case 'ChecklistPosted':
      return null;
    case 'DryRunReported':
      return t(`:clipboard: *Nothing was changed.* This is what the rollback would do:\n${quotedPlan(event.plan)}`);
    case 'RootCauseCleared':
      return `:white_check_mark: <@${event.by}> cleared the *rolled back* mark on ${r.environment}: root cause investigated, deployments may resume.`;
    case 'ChecklistItemTicked':
      return `:ballot_box_with_check: <@${event.by}> ticked *${CHECKLIST.find((c) => c.key === event.item)?.label ?? event.item}*.`;
    case 'RiskAcknowledged':
      return `:ballot_box_with_check: <@${event.by}> acknowledged: *${RISK_LABEL[event.risk]}*.`;
    case 'StepOverran': {
      const budget = `${Math.round(event.budgetMs / 1000)} s`;
      const who = event.factor >= 2 ? escalate(m) : m.incidentCommanders;
      const paged = event.factor >= 2 ? ' On-call is paged.' : '';
      return t(
        `:alarm_clock: *${stepTitle(event.step, r)}* is over ${event.factor >= 2 ? 'twice ' : ''}its budget of ${budget} (the runbook's time limit).${paged} ${who}`,
      );
    }
    case 'RequestRefused':
      return `:no_entry: <@${event.by}> asked for another rollback of ${r.environment} and was pointed here: ${esc(event.why)}.`;
    case 'RollbackInterrupted':
      return t(
        [
          `:warning: *Interrupted:* ${esc(event.reason)}`,
          esc(strategyFor(r).words.reportsNow),
          event.services
            .map((s) => `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): \`${esc(s.version ?? 'unknown')}\``)
            .join('\n') || '• unknown',
          `${esc(strategyFor(r).interruptedNextSteps(r))} ${escalate(m)}`,
        ].join('\n'),
      );
    case 'RollbackCancelled':
      return `:no_entry_sign: Cancelled by <@${event.by}>${event.why ? ` (${esc(event.why)})` : ''}. Nothing was changed in production.`;
    case 'ApprovalRecorded':
      return `:ballot_box_with_check: <@${event.by}> approved. Four eyes: a second incident commander must *Approve* too. ${m.incidentCommanders}`;
    case 'ApprovalExpired':
      return `:hourglass: Expired: nobody approved within ${Math.round(event.afterMs / 60_000)} min, and production may have changed since Step 1. Nothing was changed; the environment is free. Request a new rollback if it is still needed.`;
    case 'ProductionChanged':
      return t(
        [
          `:warning: <@${event.by}> pressed Approve, but production changed since Step 1 — nothing was done. What runs now:`,
          event.services
            .map((s) => `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): \`${esc(s.version ?? 'unknown')}\``)
            .join('\n') || '• unknown',
          'Step 1 runs again; approve the new card when it is ready.',
        ].join('\n'),
      );
    case 'OutcomeUnknown':
      return t(
        [
          `:rotating_light: *Outcome unknown:* ${esc(event.reason)}`,
          event.services
            .map((s) => `• ${esc(s.service)} (\`${esc(s.dockerService)}\`): \`${esc(s.version ?? 'unknown')}\``)
            .join('\n') || '• unknown',
          `*The environment stays locked* so that nothing else deploys over it. Find out what happened, bring the environment to one known version, then press *Release the lock* on the card. ${escalate(m)}`,
        ].join('\n'),
      );
    case 'LockReleased':
      return `:unlock: <@${event.by}> released the lock${event.why ? ` (${esc(event.why)})` : ''}: the rollback is marked interrupted, and ${r.environment} can be rolled back again.`;
    case 'ChecklistItemUnticked':
      return `:warning: *${CHECKLIST.find((c) => c.key === event.item)?.label ?? event.item}* is open again: ${esc(event.why)}.`;
    case 'TicketLinked':
      return null;
    case 'RollbackAnnounced':
      return `*${STEP_TITLE.announce}: done.* The team was told in the channel.`;
    case 'AnnouncementFailed':
      if (event.step === 'announce') {
        return t(
          `:x: *${STEP_TITLE.announce} failed:* ${esc(event.reason)}\n*Nothing was changed in production.* Post the runbook's announcement by hand and start again. ${escalate(m)}`,
        );
      }
      return t(
        `:warning: The rollback is done and verified, but ${esc(event.reason)}. Post the runbook's ROLLBACK COMPLETE message by hand.`,
      );
    case 'DeploymentStarted':
      return event.deployment.kind === 'script'
        ? t(
            `:gear: Deploy script started (pid ${event.deployment.pid}): \`${esc(event.deployment.commandLine)}\`\nFull output: \`${esc(event.deployment.outputFile)}\``,
          )
        : `:rocket: Workflow run ${link(event.deployment.url, `#${event.deployment.runId}`)} dispatched; following it to its conclusion.`;
    case 'ServicesRolledBack':
      return t(`*${stepTitle('execute', r)}: done.*\n${event.results.map(serviceLine).join('\n')}`);
    case 'ExecutionFailed':
      return t(
        [
          `:x: *${stepTitle('execute', r)} failed:* ${esc(event.reason)}`,
          '*State of each service:*',
          event.results.map(serviceLine).join('\n') || '• unknown',
          '*Next steps:*',
          ...strategyFor(r)
            .manualRecovery(
              r,
              event.results.filter((x) => x.outcome !== 'rolled_back'),
            )
            .map(esc),
          '• Do not start another rollback until every service is in a known state.',
          join(escalate(m), isToolingFailure(event) ? m.platformTeam : undefined),
        ].join('\n'),
      );
    case 'RollbackVerified': {
      const smoke = event.evidence.smokeTests
        .map((s) => `${esc(s.name)} ${s.ok ? ':white_check_mark:' : ':x:'}`)
        .join(', ');
      return t(
        `*${STEP_TITLE.verify}: done.*\n${probeLine('Health', event.evidence.health)}${smoke ? `\n*Smoke tests:* ${smoke}` : ''}`,
      );
    }
    case 'VerificationFailed': {
      const smoke = event.evidence.smokeTests.map(
        (s) =>
          `• ${esc(s.name)}: ${s.ok ? ':white_check_mark:' : `:x: ${esc(s.error ?? `HTTP ${s.status}, expected ${s.expectedStatus}`)}`}`,
      );
      return t(
        [
          `:x: *${STEP_TITLE.verify} failed:* ${esc(event.reason)}`,
          probeLine('Health', event.evidence.health),
          ...smoke,
          esc(strategyFor(r).verifyFailedState(r)),
          '*Next steps:* check the service logs (`docker service logs &lt;service&gt;`) and the health endpoint by hand; decide whether to roll back further (`/rollback &lt;environment&gt; to &lt;older version&gt;`) or escalate.',
          escalate(m),
        ].join('\n'),
      );
    }
    case 'ResolutionAnnounced': {
      const total = r.approvedBy
        ? ` ${seconds(r.steps.announce.startedAt ?? r.requestedAt, event.at)} after approval.`
        : '';
      return t(
        `*${STEP_TITLE.complete}: done.* Rolled back to \`${esc(r.target)}\`.${total}\n:warning: *${r.environment} is marked rolled back.* Investigate the root cause and add a regression test for the failure before the next deployment; an incident commander clears the mark on the card. ${m.incidentCommanders}`,
      );
    }
  }
}
