/**
 * Option C on the in-memory world: GitHub is a scripted fake WorkflowRunner (the HTTP adapter has its own tests against
 * GitHub's documented answers); what the strategy dispatches, follows, records and says.
 */
import { ErrorCode, RollbackBotError } from '../../../../../src/domain/errors';
import type { Fact } from '../../../../../src/domain/facts';
import type { Rollback } from '../../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../../src/domain/rollback.events';
import type { WorkflowRun, WorkflowRunner } from '../../../../../src/ports';
import { STRATEGY } from '../../../../../src/runbook/strategies';
import { approvedEvents, draftRollback, rollbackAfter, unitConfig, unitWorld } from '../../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const gha = STRATEGY['github-actions'];

const run = (id: number, over: Partial<WorkflowRun> = {}): WorkflowRun => ({
  id,
  url: `https://github.com/acme/shop/actions/runs/${id}`,
  status: 'queued',
  conclusion: null,
  createdAt: '2026-12-01T10:00:01Z',
  actor: 'rollback-bot',
  ...over,
});

/** GitHub as a script: the runs it lists, what a dispatch answers, and the states a run goes through. */
class FakeWorkflows implements WorkflowRunner {
  readonly dispatched: Array<{ ref: string; inputs: Record<string, string> }> = [];
  listed: WorkflowRun[] = [run(1, { status: 'completed', conclusion: 'success' })];
  dispatchAnswer: () => Promise<WorkflowRun | null> = async () => run(7);
  /** Each getRun answers the next of these (the last one repeats); an Error is thrown. */
  states: Array<Partial<WorkflowRun> | Error> = [
    { status: 'in_progress' },
    { status: 'completed', conclusion: 'success' },
  ];
  async check() {
    return 'Rollback (active)';
  }
  async dispatch(ref: string, inputs: Record<string, string>) {
    this.dispatched.push({ ref, inputs });
    return this.dispatchAnswer();
  }
  async recentRuns() {
    return this.listed;
  }
  async getRun(id: number) {
    const next = this.states.length > 1 ? this.states.shift() : this.states[0];
    if (next instanceof Error) throw next;
    return run(id, next);
  }
  async actor() {
    return 'rollback-bot';
  }
}

async function world(workflows: FakeWorkflows, over: Partial<Rollback> = {}) {
  const config = unitConfig({
    strategy: 'github-actions',
    services: [],
    github_actions: { repo: 'acme/shop', token: 't', workflow: 'rollback.yml', poll_interval_ms: 200 },
  });
  const w = unitWorld(config, { workflowsFor: () => workflows });
  const events: RollbackEvent[] = [
    ...approvedEvents(AT),
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
  ];
  const r: Rollback = {
    ...rollbackAfter({ ...draftRollback(AT), strategy: 'github-actions' }, events),
    ...over,
  };
  const created = await w.store.create(r);
  if (!created.ok) throw new Error('not created');
  const facts = () => w.notifier.told.flatMap((t): Fact[] => (t.event.type === 'Note' ? [t.event.fact] : []));
  return { w, r, env: config.environments.production, facts };
}

describe('the GitHub Actions strategy (Option C)', () => {
  it('dispatches once with the environment and version, records the run, and follows it to success', async () => {
    const workflows = new FakeWorkflows();
    const { w, r, env, facts } = await world(workflows);
    expect(await gha.execute(w.deps, r, env)).toMatchObject({
      type: 'ServicesRolledBack',
      results: [
        { outcome: 'rolled_back', detail: 'workflow run https://github.com/acme/shop/actions/runs/7 succeeded' },
      ],
    });
    expect(workflows.dispatched).toEqual([{ ref: 'main', inputs: { environment: 'production', version: 'v1' } }]);
    expect((await w.store.get(r.id))?.deployment).toEqual({
      kind: 'workflow',
      runId: 7,
      url: 'https://github.com/acme/shop/actions/runs/7',
    });
    expect(facts()).toEqual([{ kind: 'run_status', run: { id: 7, url: run(7).url }, status: 'in_progress' }]);
  });

  it('finds its run among those listed when GitHub does not say which it started, never taking an older one', async () => {
    const workflows = new FakeWorkflows();
    workflows.dispatchAnswer = async () => {
      workflows.listed = [...workflows.listed, run(8, { actor: 'someone-else' }), run(9)];
      return null;
    };
    const { w, r, env } = await world(workflows);
    expect(await gha.execute(w.deps, r, env)).toMatchObject({ type: 'ServicesRolledBack' });
    expect((await w.store.get(r.id))?.deployment).toMatchObject({ runId: 9 });
  });

  it('looks for a run after a dispatch with no clear answer (a 5xx), and follows it when found', async () => {
    const workflows = new FakeWorkflows();
    workflows.dispatchAnswer = async () => {
      workflows.listed = [...workflows.listed, run(10)];
      throw new RollbackBotError(ErrorCode.WorkflowFailed, 'GitHub answered HTTP 502');
    };
    const { w, r, env, facts } = await world(workflows);
    expect(await gha.execute(w.deps, r, env)).toMatchObject({ type: 'ServicesRolledBack' });
    expect(workflows.dispatched).toHaveLength(1);
    expect(facts()[0]).toEqual({ kind: 'dispatch_unclear', error: 'GitHub answered HTTP 502' });
    expect((await w.store.get(r.id))?.deployment).toMatchObject({ runId: 10 });
  });

  it('says nothing was started when GitHub refused the dispatch, and records no run', async () => {
    const workflows = new FakeWorkflows();
    workflows.dispatchAnswer = async () => {
      throw new RollbackBotError(ErrorCode.WorkflowFailed, 'GitHub answered HTTP 422: Unexpected inputs provided');
    };
    const { w, r, env } = await world(workflows);
    expect(await gha.execute(w.deps, r, env)).toMatchObject({
      type: 'ExecutionFailed',
      code: ErrorCode.WorkflowFailed,
      reason:
        'The workflow was not dispatched (nothing was started): GitHub answered HTTP 422: Unexpected inputs provided',
    });
    expect((await w.store.get(r.id))?.deployment).toBeFalsy();
  });

  it('keeps following through a GitHub hiccup, saying so once, and fails Step 3 when the run fails', async () => {
    const workflows = new FakeWorkflows();
    const hiccup = new RollbackBotError(ErrorCode.WorkflowFailed, 'GitHub did not answer within 10 s');
    workflows.states = [hiccup, hiccup, { status: 'completed', conclusion: 'failure' }];
    const { w, r, env, facts } = await world(workflows);
    expect(await gha.execute(w.deps, r, env)).toMatchObject({
      type: 'ExecutionFailed',
      code: ErrorCode.WorkflowFailed,
      reason: expect.stringContaining('runs/7 concluded *failure*'),
    });
    expect(facts().filter((f) => f.kind === 'run_unreachable')).toHaveLength(1);
  });

  it('follows a recorded run after a restart instead of dispatching again', async () => {
    const workflows = new FakeWorkflows();
    const recorded = { deployment: { kind: 'workflow' as const, runId: 5, url: run(5).url } };
    const { w, r, env } = await world(workflows, recorded);
    expect(await gha.resumeCheck(w.deps, r, env)).toBeNull();
    expect(await gha.execute(w.deps, r, env)).toMatchObject({ type: 'ServicesRolledBack' });
    expect(workflows.dispatched).toEqual([]);
  });

  it('after a restart with no run recorded, adopts the one run of ours it finds, or keeps the environment locked', async () => {
    const workflows = new FakeWorkflows();
    workflows.listed = [run(11)];
    const { w, r, env } = await world(workflows);
    expect(await gha.resumeCheck(w.deps, r, env)).toMatchObject({
      type: 'DeploymentStarted',
      deployment: { kind: 'workflow', runId: 11 },
    });
    workflows.listed = [];
    expect(await gha.resumeCheck(w.deps, r, env)).toMatchObject({
      type: 'OutcomeUnknown',
      reason: expect.stringContaining('whether rollback.yml was dispatched is not known'),
    });
    workflows.listed = [run(12), run(13)];
    expect(await gha.resumeCheck(w.deps, r, env)).toMatchObject({
      type: 'OutcomeUnknown',
      reason: expect.stringContaining('(2 candidate runs)'),
    });
    expect(workflows.dispatched).toEqual([]);
  });

  it('plans the exact dispatch in a dry run', async () => {
    const { r, env } = await world(new FakeWorkflows());
    expect(gha.plan(r, env)[1]).toBe('`{"ref":"main","inputs":{"environment":"production","version":"v1"}}`');
  });
});
