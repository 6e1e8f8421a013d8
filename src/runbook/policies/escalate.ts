/**
 * "Emergency Contacts": who is paged when. A rollback that fails (after Step 1) or is interrupted, or whose Step 3
 * or 4 runs over twice its budget, triggers a PagerDuty alert with one dedup key per rollback; the alert is resolved
 * when the rollback completes. Mentions in Slack are the notifier's part.
 */
import { describeError } from '../../domain/errors';
import type { Rollback } from '../../domain/rollback';
import type { RollbackEvent } from '../../domain/rollback.events';
import { nowIso, type RunbookDeps } from '../engine/context';
import { tell } from './audience';

export const dedupKeyOf = (r: Rollback) => `rollback-${r.id}`;

export function pageReason(r: Rollback, event: RollbackEvent): string | null {
  if (event.type === 'StepOverran' && event.factor >= 2)
    return `Rollback of ${r.environment}: ${event.step} is over twice its budget`;
  if (event.type === 'RollbackInterrupted') return `Rollback of ${r.environment} interrupted: ${event.reason}`;
  if (
    r.status === 'failed' &&
    r.failure &&
    r.failure.step !== 'confirm' &&
    ['AnnouncementFailed', 'ExecutionFailed', 'VerificationFailed'].includes(event.type)
  ) {
    return `Rollback of ${r.environment} failed at ${r.failure.step}: ${r.failure.reason}`;
  }
  return null;
}

export async function escalate(
  deps: Pick<RunbookDeps, 'pager' | 'notifier' | 'clock' | 'log' | 'redactor'>,
  r: Rollback,
  event: RollbackEvent,
): Promise<void> {
  const pager = deps.pager;
  if (!pager) return;
  try {
    const reason = pageReason(r, event);
    if (reason) {
      // PagerDuty is outside: no secret goes there, and it is redacted before PagerDuty's summary limit cuts it.
      // The dedup key is left as it is: the resolve that follows must repeat it exactly.
      const said = {
        summary: reason,
        source: `rollback-bot/${r.environment}`,
        details: { rollback: r.id, environment: r.environment, target: r.target, status: r.status, card: r.card },
      };
      await pager.trigger({ dedupKey: dedupKeyOf(r), ...(deps.redactor ? deps.redactor.deep(said) : said) });
      await tell(deps, r, {
        type: 'Note',
        at: nowIso(deps.clock),
        fact: { kind: 'on_call_paged' },
      });
    } else if (event.type === 'ResolutionAnnounced' && r.overruns.some((o) => o.endsWith(':2'))) {
      await pager.resolve(dedupKeyOf(r));
      await tell(deps, r, {
        type: 'Note',
        at: nowIso(deps.clock),
        fact: { kind: 'page_resolved' },
      });
    }
  } catch (err) {
    deps.log.warn({ err, rollbackId: r.id }, 'paging failed');
    await tell(deps, r, {
      type: 'Note',
      at: nowIso(deps.clock),
      fact: { kind: 'paging_failed', error: describeError(err) },
    });
  }
}
