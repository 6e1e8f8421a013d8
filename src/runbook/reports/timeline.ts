/**
 * "Document the rollback in the deployment log": a rollback's story in Markdown, to paste into the post-mortem —
 * decision and its evidence → approval → each step with its times → verification → result. Pure.
 */
import { OVERALL_LABEL } from '../../domain/criteria';
import { checklistOf } from '../../domain/checklist';
import { changeWords } from '../../domain/facts';
import { type Rollback, STEPS, type StepName, statusWords } from '../../domain/rollback';
import { type RollbackEvent } from '../../domain/rollback.events';
import type { TimelineEntry } from '../../ports';
import type { Risk } from '../../domain/risks';
import { humanUtc } from '../../domain/time';

const STEP_NAME: Record<StepName, string> = {
  confirm: 'Step 1 — Confirm the issue',
  announce: 'Step 2 — Announce',
  execute: 'Step 3 — Execute',
  verify: 'Step 4 — Verify',
  complete: 'Step 5 — Announce the resolution',
};

/** Human UTC with seconds: a post-mortem orders events seconds apart, and its readers sit in different zones. */
const time = (iso: string | undefined) => (iso ? humanUtc(iso, { seconds: true }) : '—');
const duration = (a?: string, b?: string) =>
  a && b ? `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)} s` : '—';
/** What a refused click was for, in the event log's words. */
const REFUSED: Record<string, string> = {
  approve: 'Refused approval',
  cancel: 'Refused cancellation',
  tick: 'Refused checklist tick',
  release: 'Refused lock release',
};

/** A refused click's action and why, from its timeline entry (whose event is stored as it was recorded). */
function refusal(e: TimelineEntry): { action: string; why: string } | null {
  if (e.type !== 'ApprovalRefused') return null;
  const ev = e.event as Partial<Extract<RollbackEvent, { type: 'ApprovalRefused' }>> | null;
  return { action: String(ev?.action ?? 'approve'), why: String(ev?.why ?? '') };
}

/** "Production changed by hand: backend v1 → v2", from its timeline entry. */
function handsOn(e: TimelineEntry): string {
  const ev = e.event as Partial<Extract<RollbackEvent, { type: 'HandsOnChange' }>> | null;
  const changes = (ev?.changes ?? []).map(changeWords).join(', ');
  return `Production changed by hand${ev?.gated ? ' while deploys were locked' : ''}: ${changes}`;
}

/** The user ids a timeline mentions (to look their names up). */
export function peopleIn(r: Rollback, entries: TimelineEntry[]): string[] {
  return [
    r.requestedBy,
    r.approvedBy,
    r.cancelledBy,
    ...r.acknowledgements.map((a) => a.by),
    ...r.checklist.ticks.map((t) => t.by),
    ...entries.map((e) => e.actor),
  ].filter((u): u is string => typeof u === 'string' && u.length > 0);
}

/**
 * The rollback's story. `names` (user id → display name) makes it readable outside Slack, where an id means nothing:
 * `@Ina Ito (U0IC)`; an id without a name stays `@U0IC`.
 */
/** What an incident commander accepted, in the timeline's words. */
const ACKNOWLEDGED: Record<Risk, string> = {
  no_criterion: 'roll back although no criterion was met',
  migrations: 'migrations are forward-only',
  rolled_back_from: 'roll back to a version a rollback since the last clearing moved production away from',
};

export function markdownTimeline(
  r: Rollback,
  entries: TimelineEntry[],
  names: ReadonlyMap<string, string> = new Map(),
): string {
  const who = (u: string | null) => {
    if (!u) return 'the bot';
    const name = names.get(u);
    return name ? `@${name} (${u})` : `@${u}`;
  };
  const out: string[] = [];
  out.push(`# Rollback ${r.id} — ${r.environment}`, '');
  out.push(
    `- Result: **${statusWords(r.status)}**${r.failure ? ` at ${STEP_NAME[r.failure.step]}: ${r.failure.reason}` : ''}`,
  );
  out.push(`- Requested by ${who(r.requestedBy)} at ${time(r.requestedAt)}; reason: ${r.reason || '(none given)'}`);
  const current = r.findings?.services.map((s) => `${s.service} ${s.version ?? 'unknown'}`).join(', ') ?? 'unknown';
  out.push(
    `- Versions: ${current} → ${r.target ?? 'none'}${r.findings?.targetSource ? ` (${r.findings.targetNote})` : ''}`,
  );
  out.push('', '## Decision and its evidence', '');
  if (r.findings?.criteria) {
    out.push(
      `Overall: **${OVERALL_LABEL[r.findings.criteria.overall]}**`,
      '',
      '| Signal | Threshold | Observed | Verdict |',
      '|---|---|---|---|',
    );
    for (const row of r.findings.criteria.rows)
      out.push(`| ${row.label} | ${row.threshold} | ${row.observed} | ${row.verdict.replace('_', ' ')} |`);
    out.push('');
  }
  if (r.findings?.health)
    out.push(
      `- Health: ${r.findings.health.ok ? 'ok' : 'failing'} (${r.findings.health.status ?? r.findings.health.error ?? '?'}, ${r.findings.health.attempts} attempt(s))`,
    );
  if (r.findings?.migrations)
    out.push(`- Database migrations: ${r.findings.migrations.verdict} (${r.findings.migrations.source})`);
  if (r.findings?.rolledBackFrom)
    out.push(
      `- Target ${r.target ?? '?'}: the version rollback ${r.findings.rolledBackFrom.rollbackId} (${r.findings.rolledBackFrom.status}) moved production away from`,
    );
  for (const a of r.acknowledgements)
    out.push(`- Acknowledged by ${who(a.by)} at ${time(a.at)}: ${ACKNOWLEDGED[a.risk]}`);
  out.push('', '## Approval', '');
  out.push(
    r.approvedBy
      ? `Approved by ${who(r.approvedBy)} at ${time(entries.find((e) => e.type === 'ApprovalGranted')?.at)}.`
      : r.cancelledBy
        ? `Cancelled by ${who(r.cancelledBy)}.`
        : 'Not approved.',
  );
  // Approve and Cancel clicks that were turned away belong to the approval; refused ticks, to the checklist.
  const refused = (actions: string[]) =>
    entries.flatMap((e) => {
      const r = refusal(e);
      return r && actions.includes(r.action) ? [{ ...r, actor: e.actor, at: e.at }] : [];
    });
  for (const e of refused(['approve', 'cancel']))
    out.push(`- ${REFUSED[e.action]}: ${who(e.actor)} at ${time(e.at)} (${e.why})`);
  out.push('', '## Steps', '', '| Step | Status | Started | Ended | Took |', '|---|---|---|---|---|');
  for (const s of STEPS) {
    const rec = r.steps[s];
    out.push(
      `| ${STEP_NAME[s]} | ${rec.status} | ${time(rec.startedAt)} | ${time(rec.endedAt)} | ${duration(rec.startedAt, rec.endedAt)} |`,
    );
  }
  if (r.results?.length) {
    out.push('', '## Services', '');
    for (const s of r.results)
      out.push(
        `- ${s.service} (${s.dockerService}): ${s.fromVersion ?? '?'} → ${s.toVersion}: ${s.outcome.replace('_', ' ')}${s.detail ? ` — ${s.detail}` : ''}`,
      );
  }
  if (r.verification) {
    out.push('', '## Verification', '');
    const h = r.verification.health;
    out.push(`- Health: ${h.ok ? 'ok' : 'failing'}, version ${h.version ?? 'none'} (attempt ${h.attempts})`);
    for (const t of r.verification.smokeTests)
      out.push(`- Smoke test "${t.name}": ${t.ok ? 'passed' : `failed (${t.error ?? `HTTP ${t.status}`})`}`);
  }
  out.push('', '## Checklist', '');
  for (const i of checklistOf(r))
    out.push(`- [${i.done ? 'x' : ' '}] ${i.label}${i.done ? ` — ${who(i.by)}${i.at ? ` ${time(i.at)}` : ''}` : ''}`);
  for (const e of refused(['tick', 'release']))
    out.push(`- ${REFUSED[e.action]}: ${who(e.actor)} at ${time(e.at)} (${e.why})`);
  out.push('', '## Event log', '');
  for (const e of entries) {
    const r = refusal(e);
    const what = r ? (REFUSED[r.action] ?? e.type) : e.type === 'HandsOnChange' ? handsOn(e) : e.type;
    out.push(`- ${time(e.at)} ${what}${e.actor ? ` (${who(e.actor)})` : ''}`);
  }
  return out.join('\n');
}
