/**
 * A dry run: Step 1 ran for real; this says exactly what Steps 2–5 would do, without doing any of it (and without
 * @channel: the announcements are quoted, not sent).
 */
import { type Rollback } from '../../domain/rollback';
import { completionText } from '../../domain/templates';
import { announcementFor } from '../steps/2-announce';
import { environmentOf, type RunbookDeps } from '../engine/context';
import { strategyFor } from '../strategies';

const quoted = (text: string) =>
  text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');

export function dryRunPlan(deps: Pick<RunbookDeps, 'config'>, r: Rollback): string {
  const env = environmentOf(deps.config, r);
  const target = r.target ?? 'unknown';
  const smoke = env.smoke_tests.map((t) => `${t.name} (${t.url} → HTTP ${t.expect_status})`).join(', ');
  return [
    '*Step 2* would post in the incident channel:',
    quoted(announcementFor(deps, r)),
    ...strategyFor(r).plan(r, env),
    `*Step 4* would check ${env.health.url} up to ${env.health.retries} times (every ${env.health.interval_ms} ms) for version \`${target}\`${smoke ? `, and the smoke tests ${smoke}` : ''}.`,
    '*Step 5* would post:',
    quoted(completionText({ environment: r.environment, targetVersion: target })),
  ].join('\n');
}
