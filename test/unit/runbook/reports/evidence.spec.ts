/** The migration guard's detection: GitHub's compare API (nock, documented shape) and image labels. */
import nock from 'nock';
import { GitHubCodeHost } from '../../../../src/adapters/github/github.code-host';
import { configSchema } from '../../../../src/config/config.schema';
import type { ServiceVersion } from '../../../../src/domain/findings';
import type { ContainerRuntime } from '../../../../src/ports';
import { detectMigrations } from '../../../../src/runbook/reports/evidence';
import { confirmIssue } from '../../../../src/runbook/steps/1-confirm';
import { newRollback } from '../../../../src/domain/rollback';
import { deployReport, unitConfig, unitWorld } from '../../../support/fakes';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
// nock patches Node's http module for the whole process: restore it, or later suites in the same run (the Docker
// engine over its unix socket among them) go through its interceptor.
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

const services: ServiceVersion[] = [
  { service: 'backend', dockerService: 'app-backend', version: 'v2', previousVersion: 'v1' },
];

function env(migrations: Record<string, unknown> | undefined) {
  return configSchema.parse({
    roles: { incident_commanders: { users: ['U0IC'] } },
    environments: {
      production: {
        channel: 'C0CHAN',
        strategy: 'docker',
        health: { url: 'http://h/health' },
        services: [{ name: 'backend', docker_service: 'app-backend', image: 'registry.example.com/app-backend' }],
        ...(migrations ? { migrations } : {}),
      },
    },
  }).environments.production;
}

const github = { repo: 'acme/shop', token: 'ghp_example' };
const codeHostFor = () =>
  new GitHubCodeHost({ apiUrl: 'https://api.github.com', repo: 'acme/shop', token: 'ghp_example', timeoutMs: 1000 });
const noRuntime = {} as ContainerRuntime;
const compare = (files: string[]) =>
  nock('https://api.github.com')
    .get('/repos/acme/shop/compare/v1...v2')
    .reply(200, { status: 'ahead', files: files.map((filename) => ({ filename, status: 'added' })) });

describe('detectMigrations', () => {
  it('finds migrations among the files changed between the target and the running version', async () => {
    compare(['app/orders.py', 'alembic/versions/0042_add_orders_index.py']);
    expect(
      await detectMigrations({ runtime: noRuntime, codeHostFor }, 'production', env({ github }), services, 'v1'),
    ).toEqual({
      verdict: 'included',
      source: 'GitHub compare v1...v2',
      files: ['alembic/versions/0042_add_orders_index.py'],
    });
  });

  it('compares the commits CI reported deploying the target and the running version, when it reported them', async () => {
    const good = 'a'.repeat(40);
    const bad = 'b'.repeat(40);
    nock('https://api.github.com')
      .get(`/repos/acme/shop/compare/${good}...${bad}`)
      .reply(200, { status: 'ahead', files: [{ filename: 'migrations/0042_orders.sql', status: 'added' }] });
    const deps = { runtime: noRuntime, codeHostFor };
    expect(
      await detectMigrations(deps, 'production', env({ github }), services, 'v1', { target: [good], current: [bad] }),
    ).toEqual({
      verdict: 'included',
      source: 'GitHub compare aaaaaaaaaaaa...bbbbbbbbbbbb (the commits CI reported deploying v1 and v2)',
      files: ['migrations/0042_orders.sql'],
    });
    // Only the running version reported: its commit against the target as a ref.
    nock('https://api.github.com')
      .get(`/repos/acme/shop/compare/v1...${bad}`)
      .reply(200, { status: 'ahead', files: [{ filename: 'app/orders.py', status: 'modified' }] });
    expect(
      await detectMigrations(deps, 'production', env({ github }), services, 'v1', { target: [], current: [bad] }),
    ).toMatchObject({
      verdict: 'none',
      source: expect.stringMatching(
        /^GitHub compare v1\.\.\.bbbbbbbbbbbb \(the commit CI reported deploying v2\): 1 files, none matching /,
      ),
    });
    expect(nock.isDone()).toBe(true);
  });

  it('says none when no changed file matches the globs (configurable)', async () => {
    compare(['app/orders.py', 'db/changes/0042.sql']);
    const found = await detectMigrations(
      { runtime: noRuntime, codeHostFor },
      'production',
      env({ github }),
      services,
      'v1',
    );
    expect(found).toMatchObject({ verdict: 'none' });
    compare(['app/orders.py', 'db/changes/0042.sql']);
    const custom = await detectMigrations(
      { runtime: noRuntime, codeHostFor },
      'production',
      env({ github: { ...github, globs: ['db/changes/**'] } }),
      services,
      'v1',
    );
    expect(custom).toMatchObject({ verdict: 'included', files: ['db/changes/0042.sql'] });
  });

  it('is unknown (and so warns) when GitHub cannot answer', async () => {
    nock('https://api.github.com').get('/repos/acme/shop/compare/v1...v2').reply(404, { message: 'Not Found' });
    expect(
      await detectMigrations({ runtime: noRuntime, codeHostFor }, 'production', env({ github }), services, 'v1'),
    ).toMatchObject({
      verdict: 'unknown',
      source: expect.stringContaining('repository or version not found'),
    });
  });

  it('reads an image label on the running image', async () => {
    const labelled = (labels: Record<string, string> | null) =>
      ({ imageLabels: async () => labels }) as unknown as ContainerRuntime;
    const cfg = env({ image_label: 'org.example.migrations' });
    expect(
      await detectMigrations(
        { runtime: labelled({ 'org.example.migrations': 'true' }) },
        'production',
        cfg,
        services,
        'v1',
      ),
    ).toMatchObject({ verdict: 'included' });
    expect(await detectMigrations({ runtime: labelled({}) }, 'production', cfg, services, 'v1')).toMatchObject({
      verdict: 'none',
    });
    expect(await detectMigrations({ runtime: labelled(null) }, 'production', cfg, services, 'v1')).toMatchObject({
      verdict: 'unknown',
    });
  });

  it('asks nothing when the environment has no migration guard configured', async () => {
    expect(
      await detectMigrations({ runtime: noRuntime, codeHostFor }, 'production', env(undefined), services, 'v1'),
    ).toBeUndefined();
  });
});

describe('Step 1 with the deploys CI reported', () => {
  it('guards against migrations between the commits CI reported for the target and for what runs now', async () => {
    const asked: Array<[string, string]> = [];
    const host = {
      changedFiles: async (base: string, head: string) => {
        asked.push([base, head]);
        return ['migrations/0042_orders.sql', 'app/orders.py'];
      },
    };
    const w = unitWorld(unitConfig({ migrations: { github: { repo: 'acme/shop', token: 'ghp_example' } } }), {
      codeHostFor: () => host,
    });
    await w.store.recordDeploy({ ...deployReport('d1', '2026-12-01T09:00:00.000Z', 'v1'), commit: 'c0ffee1' });
    await w.store.recordDeploy({ ...deployReport('d2', '2026-12-01T09:30:00.000Z', 'v2'), commit: 'bad0bad' });
    const r = newRollback({
      id: 'rb-step1',
      environment: 'production',
      channel: 'C0INCIDENT',
      requestedBy: 'U0ONCALL',
      at: '2026-12-01T10:00:00.000Z',
      reason: 'errors',
      requestedTarget: null,
    });
    const event = await confirmIssue(w.deps, r);
    expect(event.type).toBe('IssueConfirmed');
    expect(asked).toEqual([['c0ffee1', 'bad0bad']]);
    expect(event.type === 'IssueConfirmed' && event.findings.migrations).toEqual({
      verdict: 'included',
      source: 'GitHub compare c0ffee1...bad0bad (the commits CI reported deploying v1 and v2)',
      files: ['migrations/0042_orders.sql'],
    });
  });
});

describe('Step 1 when the deploy reports disagree (issue 22, defect 4)', () => {
  const TARGET = 'c0ffee1';
  const BAD = 'bad0bad';
  /** GitHub's answer: nothing changed between a commit and itself, a migration between the good and the bad one. */
  function world() {
    const asked: Array<[string, string]> = [];
    const host = {
      changedFiles: async (base: string, head: string) => {
        asked.push([base, head]);
        const [a, b] = [base.toLowerCase(), head.toLowerCase()];
        return a.startsWith(b) || b.startsWith(a) ? [] : ['migrations/0042_orders.sql', 'app/orders.py'];
      },
    };
    const w = unitWorld(unitConfig({ migrations: { github: { repo: 'acme/shop', token: 'ghp_example' } } }), {
      codeHostFor: () => host,
    });
    return { w, asked };
  }
  const report = (id: string, minute: number, version: string, commit: string) => ({
    ...deployReport(id, `2026-12-01T09:${String(minute).padStart(2, '0')}:00.000Z`, version),
    commit,
  });
  const step1 = async (w: ReturnType<typeof world>['w']) => {
    const r = newRollback({
      id: 'rb-reports',
      environment: 'production',
      channel: 'C0INCIDENT',
      requestedBy: 'U0ONCALL',
      at: '2026-12-01T10:00:00.000Z',
      reason: 'errors',
      requestedTarget: null,
    });
    const event = await confirmIssue(w.deps, r);
    if (event.type !== 'IssueConfirmed') throw new Error(`Step 1 ended ${event.type}`);
    return event.findings.migrations;
  };

  it('is unknown, never none, when the running version is re-reported with the target commit', async () => {
    const { w, asked } = world();
    await w.store.recordDeploy(report('d1', 0, 'v1', TARGET));
    await w.store.recordDeploy(report('d2', 30, 'v2', BAD));
    // One report is enough to make the compare X...X today.
    await w.store.recordDeploy(report('d3', 45, 'v2', TARGET));
    expect(await step1(w)).toEqual({
      verdict: 'unknown',
      source: expect.stringContaining('CI reported v2 with different commits (c0ffee1, bad0bad)'),
      files: [],
    });
    expect(asked).toEqual([]);
  });

  it('is unknown when a mutable tag was honestly re-pushed from another commit (the target here)', async () => {
    const { w, asked } = world();
    await w.store.recordDeploy(report('d1', 0, 'v1', TARGET));
    await w.store.recordDeploy(report('d2', 30, 'v2', BAD));
    // The tag v1 re-pushed from the bad commit and deployed again: which image "v1" pulls now is not known.
    await w.store.recordDeploy(report('d3', 40, 'v1', BAD));
    expect(await step1(w)).toMatchObject({
      verdict: 'unknown',
      source: expect.stringContaining('CI reported v1 with different commits (bad0bad, c0ffee1)'),
    });
    expect(asked).toEqual([]);
  });

  it('is unknown when two different versions were reported with the same commit', async () => {
    const { w, asked } = world();
    await w.store.recordDeploy(report('d1', 0, 'v1', TARGET));
    // A short and a full sha of one commit are the same commit.
    await w.store.recordDeploy(report('d2', 30, 'v2', `${TARGET}${'0'.repeat(33)}`));
    expect(await step1(w)).toMatchObject({
      verdict: 'unknown',
      source: expect.stringContaining('CI reported the same commit c0ffee1 for v1 and v2'),
    });
    expect(asked).toEqual([]);
  });

  it('still compares when the reports agree (a version reported twice with one commit)', async () => {
    const { w, asked } = world();
    await w.store.recordDeploy(report('d1', 0, 'v1', TARGET));
    await w.store.recordDeploy(report('d2', 30, 'v2', BAD));
    await w.store.recordDeploy(report('d3', 40, 'v2', BAD.toUpperCase()));
    expect(await step1(w)).toMatchObject({ verdict: 'included', files: ['migrations/0042_orders.sql'] });
    expect(asked).toEqual([[TARGET, BAD.toUpperCase()]]);
  });
});
