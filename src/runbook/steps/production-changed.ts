/**
 * Whether what runs now still is what Step 1 showed on the card. Asked before anything acts on the card's findings
 * after time has passed: at Approve, and when a rollback approved before a restart is picked up before its Step 3.
 */
import { environmentNamed } from '../../config/config.schema';
import type { ServiceVersion } from '../../domain/findings';
import { type Rollback } from '../../domain/rollback';
import type { RunbookDeps } from '../engine/context';
import { strategyFor } from '../strategies';

/**
 * What runs now, where it can be read, when it differs from what Step 1 showed; null when nothing is known to have
 * changed (an unreadable service is Step 3's to report, not a reason to stop).
 */
export async function productionChanged(deps: RunbookDeps, r: Rollback): Promise<ServiceVersion[] | null> {
  const env = environmentNamed(deps.config, r.environment);
  const before = r.findings?.services ?? [];
  if (!env || before.length === 0) return null;
  const read = await strategyFor(r).currentVersions(deps, r, env, { probe: true });
  // Unreadable now: what Step 1 saw stands.
  const now = before.map((s) => {
    const n = read.find((x) => x.service === s.service);
    return n && n.version !== null
      ? { ...s, version: n.version, previousVersion: n.previousVersion ?? s.previousVersion }
      : s;
  });
  return now.some((s, i) => s.version !== before[i].version) ? now : null;
}
