/**
 * The runbook's Step 3 Options A (the team's deploy script) and C (a GitHub Actions workflow), end to end: the real
 * bot and its HTTP receiver, the fake Slack Web API, a real /health server on 127.0.0.1, the real fixture scripts;
 * GitHub's REST API through nock with its documented shapes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { SqliteRollbackStore } from '../../src/adapters/sqlite/sqlite.rollback-store';
import { configSchema } from '../../src/config/config.schema';
import { type Deployment, newRollback, type Rollback, type Strategy } from '../../src/domain/rollback';
import { type RollbackEvent } from '../../src/domain/rollback.events';
import { transition } from '../../src/domain/rollback.transitions';
import { ACTION } from '../../src/slack/ids';
import { type Harness, responseFor, startHarness } from '../support/bot-harness';
import {
  CHANNEL,
  cardText,
  criteria,
  IC,
  LAST_LINE,
  ONCALL,
  request,
  threadWith,
  waitStatus,
} from '../support/scenario';
import { startVersionServer, type VersionServer } from '../support/version-server';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../fixtures/deploy');
const GITHUB = 'https://api.github.example';
const RUNS = '/repos/acme/shop/actions';

let dir: string;
let health: VersionServer;
let h: Harness | undefined;

beforeAll(() => {
  // Everything on 127.0.0.1 is real (the bot, fake Slack, /health); GitHub is nock.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'options-e2e-'));
  health = await startVersionServer(path.join(dir, 'version'), 'v2');
});
afterEach(async () => {
  nock.abortPendingRequests();
  await h?.stop();
  h = undefined;
  await health.close();
  rmSync(dir, { recursive: true, force: true });
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
// nock patches Node's http module for the whole process: restore it, or later suites in the same run (the Docker
// engine over its unix socket among them) go through its interceptor.
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

function config(strategy: Record<string, unknown>) {
  return configSchema.parse({
    roles: { incident_commanders: { users: [IC] }, on_call: { users: [ONCALL] } },
    environments: {
      production: {
        channel: CHANNEL,
        health: { url: health.url, retries: 5, interval_ms: 200, timeout_ms: 1000 },
        // The Prometheus stand-in says 12 % errors: an immediate rollback, no extra confirmation.
        criteria: criteria('high'),
        ...strategy,
      },
    },
  });
}

function scriptConfig(script: string, over: Record<string, unknown> = {}) {
  return config({
    strategy: 'script',
    script: {
      command: path.join(FIXTURES, script),
      cwd: dir,
      env: { STATE_FILE: health.stateFile },
      output_root: path.join(dir, 'results'),
      output_interval_ms: 500,
      ...over,
    },
  });
}

const thread = (ts: string) => h?.slack.threadMessages(ts).join('\n') ?? '';
const stored = (id: string) => h?.db.get(id) as Rollback;

async function approve(text: string): Promise<{ id: string; ts: string }> {
  const harness = h as Harness;
  const r = await request(harness, text);
  await waitStatus(harness, r.rollback.id, 'awaiting_approval');
  await harness.click(ACTION.approve, r.rollback.id, IC, r.cardTs);
  return { id: r.rollback.id, ts: r.cardTs };
}

/**
 * A database as a bot leaves it when it dies during Step 3: announced, with (or without) what Step 3 started.
 * The next bot started on it picks the rollback up.
 */
function diedDuringStep3(dbFile: string, strategy: Strategy, deployment: Deployment | null): string {
  const store = new SqliteRollbackStore(dbFile);
  const at = new Date().toISOString();
  const ref = { channel: CHANNEL, ts: '1700000000.000100' };
  const created = store.create(
    newRollback({
      id: 'rb-died',
      environment: 'production',
      channel: CHANNEL,
      requestedBy: ONCALL,
      at,
      reason: 'errors',
      requestedTarget: 'v1',
      strategy,
    }),
  );
  if (!created.ok) throw new Error('could not create');
  let r = created.rollback;
  const findings = {
    health: null,
    ready: null,
    services: [{ service: 'production', dockerService: 'x', version: 'v2', previousVersion: null }],
    target: 'v1',
    targetSource: 'requested' as const,
    targetNote: '',
  };
  const events: RollbackEvent[] = [
    { type: 'CardPosted', at, card: ref },
    { type: 'ConfirmationStarted', at },
    { type: 'IssueConfirmed', at, findings },
    { type: 'ApprovalGranted', at, by: IC },
    { type: 'RollbackAnnounced', at, message: { channel: CHANNEL, ts: '1700000000.000200' } },
    ...(deployment ? [{ type: 'DeploymentStarted', at, deployment } as const] : []),
  ];
  for (const e of events) {
    const next = transition(r, e);
    if (!next.ok) throw new Error(next.rejection.message);
    r = store.save(r.version, next.state, e) as Rollback;
  }
  store.close();
  return r.id;
}

describe('Option A: the deploy script', () => {
  it('runs the script with the runbook arguments, posts its output, verifies and completes', async () => {
    h = await startHarness(scriptConfig('deploy-ok.sh'));
    const { id, ts } = await approve('production to v1 checkout errors');
    await waitStatus(h, id, 'completed');
    const outDir = path.join(dir, 'results', id);
    // The runbook's command line: --rollback --env production --version v1 --output-dir <dir>, each one argument.
    expect(readFileSync(path.join(outDir, 'argv'), 'utf8')).toBe(
      ['--rollback', '--env', 'production', '--version', 'v1', '--output-dir', outDir, ''].join('\n'),
    );
    expect(readFileSync(path.join(outDir, 'deploy.log'), 'utf8')).toContain('services updated');
    const harness = h;
    await harness.slack.waitFor(
      () => harness.slack.channelMessages(CHANNEL).some((c) => String(c.args.text).includes('ROLLBACK COMPLETE')),
      'the resolution in the channel',
    );
    const said = await threadWith(harness, ts, LAST_LINE);
    expect(said).toContain('Deployed version (/health)');
    expect(said).toContain('The deploy script is there and executable.');
    expect(said).toMatch(/Deploy script started \(pid \d+\)/);
    expect(said).toContain('deploy.sh: rolling back production to v1');
    expect(said).toContain('*Step 3 — Execute the rollback (deploy script): done.*');
    expect(said).toContain('• production (`');
    expect(stored(id).deployment).toMatchObject({ kind: 'script', outputFile: path.join(outDir, 'deploy.log') });
    expect(cardText(h, ts)).toContain('Step 3 — Execute the rollback (deploy script)');
    // Step 5 recorded the verified version under the environment: the next proposal is v1.
    expect(h.db.lastVerifiedVersion('production', 'production')).toBe('v1');
  });

  it('fails Step 3 on a non-zero exit, with the last lines, the exit code and what /health reports', async () => {
    h = await startHarness(scriptConfig('deploy-fail.sh'));
    const { id, ts } = await approve('production to v1 errors');
    await waitStatus(h, id, 'failed');
    expect(stored(id).failure).toMatchObject({ step: 'execute', code: 'SCRIPT_FAILED' });
    expect(stored(id).failure?.reason).toContain('The deploy script exited with code 3');
    const harness = h;
    await harness.slack.waitFor(
      () => thread(ts).includes('Step 3 — Execute the rollback (deploy script) failed'),
      'the failure in the thread',
    );
    const said = thread(ts);
    expect(said).toContain('ERROR: app-backend did not become healthy (migration lock held)');
    expect(said).toContain('now runs `v2`');
    expect(said).toContain('To finish by hand (runbook Step 3, Option A)');
  });

  it('stops a script that overruns its timeout (the whole process group) and fails Step 3', async () => {
    h = await startHarness(scriptConfig('deploy-hang.sh', { timeout_ms: 1500, kill_grace_ms: 300 }));
    const { id, ts } = await approve('production to v1 errors');
    await waitStatus(h, id, 'failed');
    expect(stored(id).failure).toMatchObject({ step: 'execute', code: 'SCRIPT_TIMEOUT' });
    const child = Number(readFileSync(path.join(dir, 'results', id, 'child.pid'), 'utf8'));
    const alive = () => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    await (h as Harness).slack.waitFor(() => !alive(), 'the background child to be killed');
    await (h as Harness).slack.waitFor(
      () => thread(ts).includes('did not finish within 2 s and was stopped'),
      'the timeout in the thread',
    );
  });

  it('posts a noisy script’s output in a few batches of last lines, and keeps all of it in the output directory', async () => {
    h = await startHarness(scriptConfig('deploy-noisy.sh'));
    const { id, ts } = await approve('production to v1 errors');
    await waitStatus(h, id, 'completed');
    await threadWith(h, ts, LAST_LINE);
    const batches = h.slack.threadMessages(ts).filter((m) => m.includes('Deploy script output'));
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThanOrEqual(5);
    expect(batches.join('\n')).toContain('earlier lines not shown');
    expect(batches.join('\n')).toContain('done');
    for (const b of batches) expect(b.split('\n').filter((l) => l.startsWith('step ')).length).toBeLessThanOrEqual(10);
    expect(
      readFileSync(path.join(dir, 'results', id, 'deploy.log'), 'utf8')
        .split('\n')
        .filter(Boolean),
    ).toHaveLength(5001);
  });

  it('refuses a version carrying shell metacharacters before anything runs', async () => {
    h = await startHarness(scriptConfig('deploy-ok.sh'));
    const res = await h.command('production to v1;touch${IFS}pwned errors', ONCALL);
    expect(res.status).toBe(200);
    const reply = await responseFor(h.slack, res.responseUrl);
    expect(String(reply.text)).toContain('Usage');
    expect(h.db.list({ limit: 10 })).toEqual([]);
    expect(existsSync(path.join(dir, 'results'))).toBe(false);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  it('fails Step 1, changing nothing, when the script is not there', async () => {
    h = await startHarness(config({ strategy: 'script', script: { command: './missing-deploy.sh', cwd: dir } }));
    const r = await request(h, 'production to v1 errors');
    await waitStatus(h, r.rollback.id, 'failed');
    expect(stored(r.rollback.id).failure).toMatchObject({ step: 'confirm', code: 'SCRIPT_NOT_RUNNABLE' });
    expect(stored(r.rollback.id).failure?.reason).toContain(
      `Option A cannot run: the deploy script cannot be found: ${path.join(dir, 'missing-deploy.sh')} does not exist`,
    );
  });

  it('without a version named or verified before, refuses to the requester and says how to name one', async () => {
    h = await startHarness(scriptConfig('deploy-ok.sh'));
    const res = await h.command('production checkout errors', ONCALL, CHANNEL);
    expect(res.status).toBe(200);
    const answer = await responseFor(h.slack, res.responseUrl);
    expect(answer.response_type).toBe('ephemeral');
    expect(String(answer.text)).toContain(
      'this bot has not verified a version of this environment yet (a deploy script or workflow keeps no previous version the bot can read)',
    );
    // Escaped for Slack, which shows it as typed.
    expect(String(answer.text)).toContain('`/rollback production to &lt;version&gt; checkout errors`');
    // Nothing public: no card, no rollback, nothing run.
    expect(h.db.list({ limit: 10 })).toEqual([]);
    expect(h.slack.channelMessages(CHANNEL)).toEqual([]);
    expect(existsSync(path.join(dir, 'results'))).toBe(false);
  });

  it('dry run: shows the exact command line and runs nothing', async () => {
    h = await startHarness(scriptConfig('deploy-ok.sh'));
    const r = await request(h, 'production --dry-run to v1 errors');
    await waitStatus(h, r.rollback.id, 'rehearsed');
    const plan = h.db.timeline(r.rollback.id).find((e) => e.type === 'DryRunReported')?.event as {
      plan: string;
    };
    const outDir = path.join(dir, 'results', r.rollback.id);
    expect(plan.plan).toContain(
      `\`${path.join(FIXTURES, 'deploy-ok.sh')} --rollback --env production --version v1 --output-dir ${outDir}\``,
    );
    expect(plan.plan).toContain(`in \`${dir}\``);
    expect(existsSync(path.join(dir, 'results'))).toBe(false);
    expect(readFileSync(health.stateFile, 'utf8')).toBe('v2');
  });

  it('after a restart while the script’s process group still runs, keeps the environment locked and says so', async () => {
    const dbFile = path.join(dir, 'died.db');
    // A deploy still running, in its own process group, as the bot leaves it when it dies.
    const { spawn } = await import('node:child_process');
    const still = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const id = diedDuringStep3(dbFile, 'script', {
        kind: 'script',
        pid: still.pid as number,
        commandLine: 'deploy.sh --rollback',
        outputFile: '/var/log/x/deploy.log',
      });
      h = await startHarness(scriptConfig('deploy-ok.sh'), { dbFile });
      await waitStatus(h, id, 'unresolved');
      expect(stored(id).failure?.reason).toContain(`still running (process group ${still.pid}:`);
      const again = await h.command('production to v1 again', ONCALL);
      expect(String((await responseFor(h.slack, again.responseUrl)).text)).toContain(
        'already has a rollback in progress',
      );
    } finally {
      process.kill(-(still.pid as number), 'SIGKILL');
    }
  });

  it('after a restart mid-script, marks the rollback interrupted instead of running the script again', async () => {
    const dbFile = path.join(dir, 'died.db');
    const id = diedDuringStep3(dbFile, 'script', {
      kind: 'script',
      pid: 999_999,
      commandLine: 'deploy.sh --rollback',
      outputFile: '/var/log/x/deploy.log',
    });
    h = await startHarness(scriptConfig('deploy-ok.sh'), { dbFile });
    await waitStatus(h, id, 'interrupted');
    expect(stored(id).failure?.reason).toContain('the bot stopped while the deploy script was running (pid 999999');
    expect(stored(id).failure?.reason).toContain('/health reports v2 now');
    expect(existsSync(path.join(dir, 'results'))).toBe(false);
  });
});

describe('Option C: the GitHub Actions workflow', () => {
  const gha = (over: Record<string, unknown> = {}) =>
    config({
      strategy: 'github-actions',
      github_actions: {
        repo: 'acme/shop',
        token: 'ghp_testtoken000000000000000000000000',
        api_url: GITHUB,
        workflow: 'ci-cd.yml',
        actor: 'rollback-bot-gh',
        poll_interval_ms: 200,
        ...over,
      },
    });
  const workflowOk = () =>
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml`)
      .reply(200, { id: 161335, name: 'CI/CD Pipeline', path: '.github/workflows/ci-cd.yml', state: 'active' });
  const run = (
    id: number,
    status: string,
    conclusion: string | null,
    actor = 'rollback-bot-gh',
    created = new Date().toISOString(),
  ) => ({
    id,
    name: 'CI/CD Pipeline',
    event: 'workflow_dispatch',
    status,
    conclusion,
    created_at: created,
    html_url: `https://github.com/acme/shop/actions/runs/${id}`,
    actor: { login: actor },
    triggering_actor: { login: actor },
  });

  it('dispatches with ref and inputs, follows the run GitHub names through its states, and completes on success', async () => {
    let dispatched: Record<string, unknown> | undefined;
    workflowOk();
    nock(GITHUB).get(`${RUNS}/workflows/ci-cd.yml/runs`).query(true).reply(200, { total_count: 0, workflow_runs: [] });
    nock(GITHUB)
      .post(`${RUNS}/workflows/ci-cd.yml/dispatches`, (body: Record<string, unknown>) => {
        dispatched = body;
        return true;
      })
      .matchHeader('authorization', 'Bearer ghp_testtoken000000000000000000000000')
      .reply(200, {
        workflow_run_id: 9001,
        run_url: `${GITHUB}${RUNS}/runs/9001`,
        html_url: 'https://github.com/acme/shop/actions/runs/9001',
      });
    nock(GITHUB)
      .get(`${RUNS}/runs/9001`)
      .reply(200, run(9001, 'queued', null));
    nock(GITHUB)
      .get(`${RUNS}/runs/9001`)
      .times(2)
      .reply(200, run(9001, 'in_progress', null));
    nock(GITHUB)
      .get(`${RUNS}/runs/9001`)
      .reply(() => {
        health.set('v1'); // what the workflow deployed
        return [200, run(9001, 'completed', 'success')];
      });

    h = await startHarness(gha());
    const { id, ts } = await approve('production to v1 checkout errors');
    await waitStatus(h, id, 'completed');
    expect(dispatched).toEqual({
      ref: 'main',
      inputs: { environment: 'production', version: 'v1' },
      return_run_details: true,
    });
    expect(stored(id).deployment).toEqual({
      kind: 'workflow',
      runId: 9001,
      url: 'https://github.com/acme/shop/actions/runs/9001',
    });
    const harness = h;
    await harness.slack.waitFor(
      () => thread(ts).includes('Step 3 — Execute the rollback (GitHub Actions): done.'),
      'Step 3 done',
    );
    const said = thread(ts);
    expect(said).toContain('The workflow is there and active.');
    expect(said).toContain('Workflow run <https://github.com/acme/shop/actions/runs/9001|#9001> dispatched');
    expect(said).toContain('is *in progress*');
  });

  it('finds the run by correlation when GitHub answers 204, ignoring older runs and other people’s, and fails on its conclusion', async () => {
    workflowOk();
    const old = run(500, 'completed', 'success', 'rollback-bot-gh', new Date(Date.now() - 5000).toISOString());
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml/runs`)
      .query((q) => q.event === 'workflow_dispatch' && String(q.created).startsWith('>='))
      .reply(200, { total_count: 1, workflow_runs: [old] });
    nock(GITHUB).post(`${RUNS}/workflows/ci-cd.yml/dispatches`).reply(204);
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml/runs`)
      .query(true)
      .reply(200, { total_count: 1, workflow_runs: [old] });
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml/runs`)
      .query(true)
      .reply(200, {
        total_count: 3,
        workflow_runs: [run(502, 'queued', null), run(501, 'queued', null, 'someone-else'), old],
      });
    nock(GITHUB)
      .get(`${RUNS}/runs/502`)
      .reply(200, run(502, 'completed', 'failure'));

    h = await startHarness(gha());
    const { id, ts } = await approve('production to v1 errors');
    await waitStatus(h, id, 'failed');
    expect(stored(id).deployment).toMatchObject({ kind: 'workflow', runId: 502 });
    expect(stored(id).failure).toMatchObject({ step: 'execute', code: 'WORKFLOW_FAILED' });
    expect(stored(id).failure?.reason).toContain(
      'workflow run https://github.com/acme/shop/actions/runs/502 concluded *failure*',
    );
    await (h as Harness).slack.waitFor(
      () => thread(ts).includes('To finish by hand (runbook Step 3, Option C)'),
      'the next steps',
    );
  });

  it('turns a 422 on the dispatch into a clear message and starts nothing', async () => {
    workflowOk();
    nock(GITHUB).get(`${RUNS}/workflows/ci-cd.yml/runs`).query(true).reply(200, { total_count: 0, workflow_runs: [] });
    nock(GITHUB).post(`${RUNS}/workflows/ci-cd.yml/dispatches`).reply(422, {
      message: 'Unexpected inputs provided: ["version"]',
      documentation_url: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
      status: '422',
    });
    h = await startHarness(gha());
    const { id } = await approve('production to v1 errors');
    await waitStatus(h, id, 'failed');
    expect(stored(id).failure?.reason).toContain('The workflow was not dispatched (nothing was started)');
    expect(stored(id).failure?.reason).toContain('HTTP 422');
    expect(stored(id).failure?.reason).toContain('Unexpected inputs provided: ["version"]');
  });

  it('dry run: shows the dispatch body and dispatches nothing', async () => {
    workflowOk();
    h = await startHarness(gha({ extra_inputs: { reason: 'rollback' } }));
    const r = await request(h, 'production --dry-run to v1 errors');
    await waitStatus(h, r.rollback.id, 'rehearsed');
    const plan = h.db.timeline(r.rollback.id).find((e) => e.type === 'DryRunReported')?.event as {
      plan: string;
    };
    expect(plan.plan).toContain('POST /repos/acme/shop/actions/workflows/ci-cd.yml/dispatches');
    expect(plan.plan).toContain(
      '{"ref":"main","inputs":{"reason":"rollback","environment":"production","version":"v1"}}',
    );
  });

  it('after a restart, follows the recorded run instead of dispatching again', async () => {
    const dbFile = path.join(dir, 'died.db');
    const id = diedDuringStep3(dbFile, 'github-actions', {
      kind: 'workflow',
      runId: 4242,
      url: 'https://github.com/acme/shop/actions/runs/4242',
    });
    nock(GITHUB)
      .get(`${RUNS}/runs/4242`)
      .reply(200, run(4242, 'in_progress', null));
    nock(GITHUB)
      .get(`${RUNS}/runs/4242`)
      .reply(() => {
        health.set('v1');
        return [200, run(4242, 'completed', 'success')];
      });
    h = await startHarness(gha(), { dbFile });
    await waitStatus(h, id, 'completed');
    // No dispatch was mocked: a second dispatch would have failed the rollback.
    expect(h.db.timeline(id).filter((e) => e.type === 'DeploymentStarted')).toHaveLength(1);
  });

  it('after a restart with no run recorded, does not dispatch a second time: it looks, and keeps the environment locked', async () => {
    const dbFile = path.join(dir, 'died.db');
    const id = diedDuringStep3(dbFile, 'github-actions', null);
    const listed = nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml/runs`)
      .query(true)
      .reply(200, { total_count: 0, workflow_runs: [] });
    h = await startHarness(gha(), { dbFile });
    await waitStatus(h, id, 'unresolved');
    expect(listed.isDone()).toBe(true);
    expect(stored(id).failure?.reason).toContain('whether ci-cd.yml was dispatched is not known');
  });

  it('a dispatch that fails with a 5xx may still have started a run: the bot looks for it and follows it', async () => {
    workflowOk();
    nock(GITHUB).get(`${RUNS}/workflows/ci-cd.yml/runs`).query(true).reply(200, { total_count: 0, workflow_runs: [] });
    nock(GITHUB).post(`${RUNS}/workflows/ci-cd.yml/dispatches`).reply(502, { message: 'Server Error' });
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml/runs`)
      .query(true)
      .reply(200, { total_count: 1, workflow_runs: [run(77, 'in_progress', null)] });
    nock(GITHUB)
      .get(`${RUNS}/runs/77`)
      .reply(() => {
        health.set('v1');
        return [200, run(77, 'completed', 'success')];
      });
    h = await startHarness(gha());
    const { id } = await approve('production to v1 errors');
    await waitStatus(h, id, 'completed');
    expect(stored(id).deployment).toMatchObject({ kind: 'workflow', runId: 77 });
  });

  it('a dispatch whose outcome cannot be known keeps the environment locked until an incident commander releases it', async () => {
    workflowOk();
    nock(GITHUB).get(`${RUNS}/workflows/ci-cd.yml/runs`).query(true).reply(200, { total_count: 0, workflow_runs: [] });
    nock(GITHUB).post(`${RUNS}/workflows/ci-cd.yml/dispatches`).delay(1500).reply(204);
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml/runs`)
      .query(true)
      .times(100)
      .optionally()
      .reply(200, { total_count: 0, workflow_runs: [] });
    h = await startHarness(gha({ request_timeout_ms: 500, timeout_ms: 2500 }));
    const { id, ts } = await approve('production to v1 errors');
    await waitStatus(h, id, 'unresolved');
    expect(stored(id).failure?.reason).toMatch(/may have started|not known/);
    const again = await h.command('production to v1 again', ONCALL);
    expect(String((await responseFor(h.slack, again.responseUrl)).text)).toContain(
      'already has a rollback in progress',
    );
    expect(cardText(h, ts)).toContain('rollback_release_lock');
    const refused = await h.click('rollback_release_lock', id, ONCALL, ts);
    expect(String((await responseFor(h.slack, refused.responseUrl)).text)).toContain('incident commander');
    await h.click('rollback_release_lock', id, IC, ts);
    await waitStatus(h, id, 'interrupted');
    nock.abortPendingRequests();
    nock.cleanAll();
  });

  it('keeps following through a rate limit, says so once, and completes', async () => {
    workflowOk();
    nock(GITHUB).get(`${RUNS}/workflows/ci-cd.yml/runs`).query(true).reply(200, { total_count: 0, workflow_runs: [] });
    nock(GITHUB)
      .post(`${RUNS}/workflows/ci-cd.yml/dispatches`)
      .reply(200, { workflow_run_id: 31, html_url: 'https://github.com/acme/shop/actions/runs/31' });
    nock(GITHUB)
      .get(`${RUNS}/runs/31`)
      .times(2)
      .reply(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1) },
      );
    nock(GITHUB)
      .get(`${RUNS}/runs/31`)
      .reply(() => {
        health.set('v1');
        return [200, run(31, 'completed', 'success')];
      });
    h = await startHarness(gha());
    const { id, ts } = await approve('production to v1 errors');
    await waitStatus(h, id, 'completed');
    await threadWith(h, ts, LAST_LINE);
    expect(h.slack.threadMessages(ts).filter((m) => m.includes('GitHub is not answering about run'))).toHaveLength(1);
  });

  it('fails Step 1 when the token is refused (401), changing nothing', async () => {
    nock(GITHUB)
      .get(`${RUNS}/workflows/ci-cd.yml`)
      .reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    h = await startHarness(gha());
    const r = await request(h, 'production to v1 errors');
    await waitStatus(h, r.rollback.id, 'failed');
    expect(stored(r.rollback.id).failure).toMatchObject({ step: 'confirm', code: 'WORKFLOW_FAILED' });
    expect(stored(r.rollback.id).failure?.reason).toContain('the GitHub token was refused');
    expect(cardText(h, r.cardTs)).toContain('GitHub Actions workflow');
  });
});
