/**
 * Tests mirror src: src/a/b.ts has its unit spec at test/unit/a/b.spec.ts (or, split by aspect, at
 * test/unit/a/b.<aspect>.spec.ts when src has no module a/b.<aspect>.ts). A module without one must be named below,
 * with why; an entry that has since got its spec, or whose module is gone, fails too, so the lists only shrink.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** No behaviour to test: types and interfaces only, constants only, or re-exports. */
const LOGIC_FREE: Record<string, 'types' | 'constants' | 'reexports'> = {
  'api/api.wire.ts': 'types',
  'domain/checklist-items.ts': 'constants',
  'domain/findings.ts': 'types',
  'domain/home.ts': 'types',
  'ports/alert-log.port.ts': 'types',
  'ports/clock.port.ts': 'types',
  'ports/code-host.port.ts': 'types',
  'ports/container-runtime.port.ts': 'types',
  'ports/delivery-log.port.ts': 'types',
  'ports/deploy-reports.port.ts': 'types',
  'ports/deployment-history.port.ts': 'types',
  'ports/deployment-reviews.port.ts': 'types',
  'ports/directory.port.ts': 'types',
  'ports/health-probe.port.ts': 'types',
  'ports/index.ts': 'reexports',
  'ports/log.port.ts': 'types',
  'ports/metrics-source.port.ts': 'types',
  'ports/notifier.port.ts': 'types',
  'ports/pager.port.ts': 'types',
  'ports/reports.port.ts': 'types',
  'ports/rollback-repository.port.ts': 'types',
  'ports/script-runner.port.ts': 'types',
  'ports/service-events.port.ts': 'types',
  'ports/telemetry.port.ts': 'types',
  'ports/ticket-tracker.port.ts': 'types',
  'ports/verified-versions.port.ts': 'types',
  'ports/workflow-runner.port.ts': 'types',
  // The IPC message types and three timing constants (their effect is tested in ipc-link, ipc-serve and work-process).
  'replica/ipc-messages.ts': 'constants',
  // Interfaces and one sentence two strategies' words share (each words spec asserts it is theirs).
  'runbook/strategies/strategy-words.ts': 'constants',
  'runbook/strategies/strategy.ts': 'types',
  'slack/ids.ts': 'constants',
};

/**
 * Tested at another depth, on purpose: adapters against the real thing on this machine (rule of thumb 10), the
 * in-memory store through the store contract, one-line button listeners through their registry's table spec, and the
 * entry point (wiring only) on the compiled bot.
 */
const TESTED_ELSEWHERE: Record<string, string> = {
  'adapters/docker/docker.container-runtime.ts': 'test/integration/docker.container-runtime.spec.ts',
  'adapters/docker/docker.service-events.ts': 'test/integration/docker.service-events.spec.ts',
  'adapters/http/http.health-probe.ts': 'test/integration/http.health-probe.spec.ts',
  'adapters/memory/memory.rollback-store.ts': 'test/contract/rollback-store.contract.spec.ts',
  'adapters/postgres/postgres.store.ts': 'test/integration/postgres.store.spec.ts',
  // Migrations need the real server (five replicas migrating at once, the advisory lock).
  'adapters/postgres/postgres.migrations.ts': 'test/integration/postgres.store.spec.ts',
  'adapters/process/process.script-runner.ts': 'test/integration/process.script-runner.spec.ts',
  'adapters/sqlite/sqlite.rollback-store.ts': 'test/integration/sqlite.rollback-store.spec.ts',
  'adapters/sqlite/sqlite.store.ts': 'test/contract/rollback-store.contract.spec.ts',
  // The entry point is wiring only (settings, logger, the role, run): the compiled bot as two processes.
  'main.ts': 'test/e2e/work-process.e2e.spec.ts',
  'slack/listeners/actions/acknowledge-migrations.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/acknowledge-no-criterion.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/acknowledge-rolled-back-from.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/approve.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/cancel.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/clear-root-cause.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/create-ticket.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/release-lock.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/request-from-reports.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/rollback-button.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/schedule-postmortem.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
  'slack/listeners/actions/tick.action.ts': 'test/unit/slack/listeners/actions/index.spec.ts',
};

/**
 * Not yet: modules WITH logic that still lack a mirrored unit spec. Empty since issue 24, item 6: a module named here
 * is a debt, and the spec that fails on a stale entry makes whoever writes its spec remove it.
 */
const NOT_YET: string[] = [];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

const modules = walk(path.join(ROOT, 'src'))
  .map((f) => path.relative(path.join(ROOT, 'src'), f).split(path.sep).join('/'))
  .sort();
const moduleSet = new Set(modules);

/** Whether `test/unit/<dir>/<stem>.spec.ts`, or an aspect spec `<stem>.<aspect>.spec.ts` that is not another module's. */
function hasMirroredSpec(module: string): boolean {
  const dir = path.posix.dirname(module);
  const stem = path.posix.basename(module, '.ts');
  const specDir = path.join(ROOT, 'test/unit', dir);
  if (!existsSync(specDir)) return false;
  return readdirSync(specDir).some((f) => {
    if (f === `${stem}.spec.ts`) return true;
    const aspect = new RegExp(`^${stem.replace(/[.]/g, '\\.')}\\.([a-z0-9-]+)\\.spec\\.ts$`).exec(f);
    return aspect !== null && !moduleSet.has(path.posix.join(dir === '.' ? '' : dir, `${stem}.${aspect[1]}.ts`));
  });
}

const listed = new Map<string, string>();
for (const [name, list] of [
  ['LOGIC_FREE', Object.keys(LOGIC_FREE)],
  ['TESTED_ELSEWHERE', Object.keys(TESTED_ELSEWHERE)],
  ['NOT_YET', NOT_YET],
] as const)
  for (const m of list) listed.set(m, listed.has(m) ? `${listed.get(m)} and ${name}` : name);

describe('tests mirror src', () => {
  it('finds the source modules (the walk itself works)', () => {
    expect(modules.length).toBeGreaterThan(100);
    expect(modules).toContain('domain/rollback.ts');
    expect(hasMirroredSpec('domain/rollback.ts')).toBe(true);
    expect(hasMirroredSpec('ports/clock.port.ts')).toBe(false);
  });

  it('every module has its spec at the mirrored path, or is named in one list with why', () => {
    const missing = modules.filter((m) => !hasMirroredSpec(m) && !listed.has(m));
    expect(missing).toEqual([]);
  });

  it('no list names a module that has its mirrored spec now, or that is gone, or names it twice', () => {
    const stale = [...listed].filter(([m]) => !moduleSet.has(m) || hasMirroredSpec(m)).map(([m, l]) => `${l}: ${m}`);
    const twice = [...listed].filter(([, l]) => l.includes(' and ')).map(([m, l]) => `${l}: ${m}`);
    expect([...stale, ...twice]).toEqual([]);
  });

  it('each module tested elsewhere names a spec that exists', () => {
    const gone = Object.entries(TESTED_ELSEWHERE).filter(([, spec]) => !existsSync(path.join(ROOT, spec)));
    expect(gone).toEqual([]);
  });
});
