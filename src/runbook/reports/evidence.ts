/**
 * The runbook's "Rollback Decision Criteria", "Prerequisites" and "Database Rollback Considerations", as Step 1
 * evidence: the criteria table with observed values, whether the tooling answers, whether the bad deployment carried
 * database migrations.
 */
import picomatch from 'picomatch';
import type { EnvironmentConfig } from '../../config/config.schema';
import { type Evaluation, evaluateCriteria, type Observed, RUNBOOK_THRESHOLDS } from '../../domain/criteria';
import { describeError } from '../../domain/errors';
import type { MigrationFinding, ProbeObservation, ServiceVersion } from '../../domain/findings';
import type { MetricsSource } from '../../ports';
import type { RunbookDeps } from '../engine/context';

const notConfigured: Observed = { unknown: 'not configured' };

/** Consecutive failed health checks, from the bot's own probes: a success ends the streak. */
export const consecutiveFailures = (o: ProbeObservation | null): Observed =>
  o ? { value: o.ok ? 0 : o.attempts } : notConfigured;

export async function evaluateEnvironment(
  deps: Pick<RunbookDeps, 'reports' | 'clock' | 'metricsFor'>,
  environment: string,
  env: EnvironmentConfig,
  healthFailures: Observed,
): Promise<Evaluation> {
  const metrics: MetricsSource | null = deps.metricsFor?.(environment) ?? null;
  const prom = env.criteria.prometheus;
  const ask = (q: string | undefined): Promise<Observed> =>
    metrics && q ? metrics.query(q) : Promise.resolve(notConfigured);
  const [errorRate, p99Seconds, baselineQueried, memory] = await Promise.all([
    ask(prom?.error_rate),
    ask(prom?.p99_latency),
    ask(prom?.baseline_p99),
    ask(prom?.memory),
  ]);
  const baselineP99Seconds =
    prom?.baseline_p99_seconds !== undefined && !prom.baseline_p99
      ? { value: prom.baseline_p99_seconds }
      : baselineQueried;
  const since = new Date(deps.clock.now().getTime() - env.criteria.reports_window_minutes * 60_000).toISOString();
  const userReports = { value: (await deps.reports.uniqueReporters(environment, since)).length };
  return evaluateCriteria(
    { errorRate, p99Seconds, baselineP99Seconds, healthFailures, memory, userReports },
    { ...RUNBOOK_THRESHOLDS, ...env.criteria.thresholds },
  );
}

const MAX_FILES = 5;

/**
 * The commits CI reported deploying the target and the running version (POST /api/v1/deployments), each version's
 * distinct commits newest first; empty when it reported none.
 */
export interface ReportedCommits {
  target: string[];
  current: string[];
}

/** The running version the guard compares with the target: the first service not on the target. */
export const runningOtherThan = (services: ServiceVersion[], target: string): string | null =>
  services.find((s) => s.version !== null && s.version !== target)?.version ?? null;

/** One commit, written short or full, in either case (`c0ffee1` is `C0FFEE1…` in full). */
export const sameCommit = (a: string, b: string) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x.startsWith(y) || y.startsWith(x);
};

/** The commits once each, newest first (a short and a full sha of one commit are one). */
const distinctCommits = (commits: string[]) =>
  commits.filter((c, i) => !commits.slice(0, i).some((earlier) => sameCommit(earlier, c)));

/**
 * Why the reports cannot be trusted to name what a compare would need, if they cannot. Reports that disagree are
 * never read as "no migrations": a tag reported with two commits (a re-pushed mutable tag, or one wrong report) may
 * be either, and two versions reported with one commit make the compare empty whatever really runs.
 */
function untrustedReports(target: string, current: string | null, commits: ReportedCommits): string | null {
  const byVersion: Array<[string, string[]]> = [
    [target, distinctCommits(commits.target)],
    [current ?? 'the running version', distinctCommits(commits.current)],
  ];
  const disagreeing = byVersion.filter(([, c]) => c.length > 1);
  if (disagreeing.length > 0)
    return `${disagreeing
      .map(([v, c]) => `CI reported ${v} with different commits (${c.map(short).join(', ')})`)
      .join('; ')}: the tag alone does not say which one it is, so a compare cannot rule migrations out`;
  const [t, c] = [byVersion[0][1][0], byVersion[1][1][0]];
  if (t && c && sameCommit(t, c))
    return `CI reported the same commit ${short(t)} for ${target} and ${current ?? 'the running version'}: one of these reports is wrong, or the images differ by more than the code, so a compare cannot rule migrations out`;
  return null;
}

/**
 * From GitHub's compare API between the target and the running version (when configured) — between the commits CI
 * reported deploying them when it did (exact, where an image tag need not be a git ref), else between the versions
 * as refs — else from an image label on the running images. Undefined when neither is configured: no guard was
 * asked for.
 */
export async function detectMigrations(
  deps: Pick<RunbookDeps, 'runtime' | 'codeHostFor'>,
  environment: string,
  env: EnvironmentConfig,
  services: ServiceVersion[],
  target: string,
  commits: ReportedCommits = { target: [], current: [] },
): Promise<MigrationFinding | undefined> {
  const cfg = env.migrations;
  if (!cfg) return undefined;
  const current = runningOtherThan(services, target);
  if (cfg.github) {
    const host = deps.codeHostFor?.(environment);
    const [targetCommit] = commits.target;
    const [currentCommit] = commits.current;
    const base = targetCommit ?? target;
    const head = currentCommit ?? current;
    if (!host || !head)
      return { verdict: 'unknown', source: 'GitHub compare: the running version is not known', files: [] };
    const untrusted = untrustedReports(target, current, commits);
    if (untrusted) return { verdict: 'unknown', source: untrusted, files: [] };
    const reported = [targetCommit ? target : null, currentCommit ? (current ?? 'the running version') : null];
    const named = reported.filter((v): v is string => v !== null);
    const from = named.length
      ? ` (the commit${named.length > 1 ? 's' : ''} CI reported deploying ${named.join(' and ')})`
      : '';
    const compared = `GitHub compare ${short(base)}...${short(head)}${from}`;
    try {
      const changed = await host.changedFiles(base, head);
      const isMigration = picomatch(cfg.github.globs, { dot: true });
      const files = changed.filter((f) => isMigration(f));
      return files.length > 0
        ? { verdict: 'included', source: compared, files: files.slice(0, MAX_FILES) }
        : {
            verdict: 'none',
            source: `${compared}: ${changed.length} files, none matching ${cfg.github.globs.join(', ')}`,
            files: [],
          };
    } catch (err) {
      return { verdict: 'unknown', source: describeError(err), files: [] };
    }
  }
  if (cfg.image_label) {
    const label = cfg.image_label;
    const byService = await Promise.all(
      env.services.map(async (s) => {
        const version = services.find((x) => x.service === s.name)?.version;
        if (!version) return { service: s.name, answer: 'unknown' as const };
        try {
          const labels = await deps.runtime.imageLabels(s.image, version);
          if (labels === null) return { service: s.name, answer: 'unknown' as const };
          return { service: s.name, answer: labels[label] === 'true' ? ('yes' as const) : ('no' as const) };
        } catch {
          return { service: s.name, answer: 'unknown' as const };
        }
      }),
    );
    if (byService.some((b) => b.answer === 'yes')) {
      return {
        verdict: 'included',
        source: `image label ${label}=true on ${byService
          .filter((b) => b.answer === 'yes')
          .map((b) => b.service)
          .join(', ')}`,
        files: [],
      };
    }
    if (byService.some((b) => b.answer === 'unknown')) {
      return {
        verdict: 'unknown',
        source: `image label ${label}: the running image of ${byService
          .filter((b) => b.answer === 'unknown')
          .map((b) => b.service)
          .join(', ')} could not be read`,
        files: [],
      };
    }
    return { verdict: 'none', source: `image label ${label} not set on the running images`, files: [] };
  }
  return undefined;
}

/** A commit sha as people write it (12 characters); any other ref as it is. */
const short = (ref: string) => (/^[0-9a-f]{40}$/i.test(ref) ? ref.slice(0, 12) : ref);
