/** Option A on the in-memory world: the deploy script is a fake ScriptRunner; what the strategy asks of it and says. */
import { ErrorCode, RollbackBotError } from '../../../../../src/domain/errors';
import type { Rollback } from '../../../../../src/domain/rollback';
import type { RollbackEvent } from '../../../../../src/domain/rollback.events';
import type { ScriptOutcome, ScriptRunner, ScriptSpec } from '../../../../../src/ports';
import { STRATEGY } from '../../../../../src/runbook/strategies';
import { approvedEvents, draftRollback, rollbackAfter, unitConfig, unitWorld } from '../../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const script = STRATEGY.script;

/** Runs nothing: records the spec, "starts" with a pid, writes `lines`, and ends as told (or cannot start). */
class FakeScripts implements ScriptRunner {
  readonly specs: ScriptSpec[] = [];
  constructor(
    private readonly end: Partial<ScriptOutcome> | Error = {},
    private readonly lines: string[] = [],
  ) {}
  async check(command: string): Promise<string> {
    if (this.end instanceof Error) throw this.end;
    return `/opt/deploy/${command}`;
  }
  async run(spec: ScriptSpec): Promise<ScriptOutcome> {
    this.specs.push(spec);
    if (this.end instanceof Error) throw this.end;
    spec.onStart?.(4242);
    for (const line of this.lines) spec.onLine?.(line);
    return { exitCode: 0, signal: null, timedOut: false, lines: this.lines.length, durationMs: 1500, ...this.end };
  }
}

async function world(scripts: FakeScripts, target = 'v1') {
  const config = unitConfig({
    strategy: 'script',
    services: [],
    script: { command: './deploy.sh', output_root: '/var/rollback', env: { DEPLOY_REGION: 'eu' } },
  });
  const w = unitWorld(config, { scripts });
  const events: RollbackEvent[] = [
    ...approvedEvents(AT),
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
  ];
  const r: Rollback = { ...rollbackAfter({ ...draftRollback(AT), strategy: 'script' }, events), target };
  const created = await w.store.create(r);
  if (!created.ok) throw new Error('not created');
  return { w, r, env: config.environments.production };
}

describe('the deploy script strategy (Option A)', () => {
  it('runs the script without a shell, the placeholders filled, and records what it started before following it', async () => {
    const scripts = new FakeScripts({}, ['pulling v1', 'done']);
    const { w, r, env } = await world(scripts);
    const event = await script.execute(w.deps, r, env);
    expect(event).toMatchObject({
      type: 'ServicesRolledBack',
      results: [{ outcome: 'rolled_back', dockerService: './deploy.sh', detail: 'exit 0 after 1.5 s' }],
    });
    expect(scripts.specs).toHaveLength(1);
    expect(scripts.specs[0]).toMatchObject({
      command: './deploy.sh',
      args: ['--rollback', '--env', 'production', '--version', 'v1', '--output-dir', '/var/rollback/rb-1'],
      outputFile: '/var/rollback/rb-1/deploy.log',
      env: {
        DEPLOY_REGION: 'eu',
        ROLLBACK_ID: 'rb-1',
        ROLLBACK_ENVIRONMENT: 'production',
        ROLLBACK_VERSION: 'v1',
        ROLLBACK_OUTPUT_DIR: '/var/rollback/rb-1',
      },
    });
    // A restart must know the script started: its pid and command line are stored before the outcome.
    expect((await w.store.get(r.id))?.deployment).toEqual({
      kind: 'script',
      pid: 4242,
      commandLine: './deploy.sh --rollback --env production --version v1 --output-dir /var/rollback/rb-1',
      outputFile: '/var/rollback/rb-1/deploy.log',
    });
    // Its output reaches the thread as a fact, the newest lines.
    const notes = w.notifier.told.flatMap((t) => (t.event.type === 'Note' ? [t.event.fact] : []));
    expect(notes).toEqual([
      { kind: 'script_output', lines: ['pulling v1', 'done'], skipped: 0, outputFile: '/var/rollback/rb-1/deploy.log' },
    ]);
  });

  it('shows the newest lines of a long output and counts the rest, cutting very long lines', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    lines.push('x'.repeat(1000));
    const { w, r, env } = await world(new FakeScripts({}, lines));
    await script.execute(w.deps, r, env);
    const [output] = w.notifier.told.flatMap((t) =>
      t.event.type === 'Note' && t.event.fact.kind === 'script_output' ? [t.event.fact] : [],
    );
    expect(output.skipped).toBe(16);
    expect(output.lines).toHaveLength(10);
    expect(output.lines[0]).toBe('line 17');
    expect(output.lines[9]).toHaveLength(300);
    expect(output.lines[9].endsWith('…')).toBe(true);
  });

  it('fails Step 3 with what the script did: an exit code, a timeout, a signal', async () => {
    const failed = async (end: Partial<ScriptOutcome>) => {
      const { w, r, env } = await world(new FakeScripts(end));
      return script.execute(w.deps, r, env);
    };
    expect(await failed({ exitCode: 3 })).toMatchObject({
      type: 'ExecutionFailed',
      code: ErrorCode.ScriptFailed,
      reason: 'The deploy script exited with code 3 after 1.5 s. Its full output: /var/rollback/rb-1/deploy.log',
    });
    expect(await failed({ exitCode: null, timedOut: true })).toMatchObject({
      code: ErrorCode.ScriptTimeout,
      reason: expect.stringContaining('did not finish within 300 s and was stopped'),
    });
    expect(await failed({ exitCode: null, signal: 'SIGKILL' })).toMatchObject({
      code: ErrorCode.ScriptFailed,
      reason: expect.stringContaining('was killed by SIGKILL after 1.5 s'),
    });
  });

  it('says nothing was run when the script cannot start, and records no deployment', async () => {
    const { w, r, env } = await world(
      new FakeScripts(new RollbackBotError(ErrorCode.ScriptNotRunnable, './deploy.sh is not executable')),
    );
    expect(await script.execute(w.deps, r, env)).toMatchObject({
      type: 'ExecutionFailed',
      code: ErrorCode.ScriptNotRunnable,
      reason: 'The deploy script did not start: ./deploy.sh is not executable. Nothing was run.',
    });
    expect((await w.store.get(r.id))?.deployment).toBeFalsy();
  });

  it('refuses a version that could be read as an option or several arguments, before anything runs', async () => {
    const scripts = new FakeScripts();
    const { w, r, env } = await world(scripts, '--force');
    expect(await script.precheck(w.deps, r, env, '--force')).toMatchObject({ code: ErrorCode.VersionInvalid });
    expect(await script.precheck(w.deps, r, env, 'v1.2.3')).toBeNull();
    expect(await script.execute(w.deps, r, env)).toMatchObject({ type: 'ExecutionFailed' });
    expect(scripts.specs).toEqual([]);
  });

  it('says whether the script can run in Step 1', async () => {
    const ok = await world(new FakeScripts());
    const health = { ok: true, status: 200, version: 'v2', attempts: 1 } as never;
    expect(await script.inspect(ok.w.deps, ok.r, ok.env, health)).toMatchObject({
      tooling: [{ tool: 'Deploy script', ok: true }],
      blocked: null,
    });
    const broken = await world(new FakeScripts(new RollbackBotError(ErrorCode.ScriptNotRunnable, 'no such file')));
    expect(await script.inspect(broken.w.deps, broken.r, broken.env, health)).toMatchObject({
      blocked: { reason: 'Option A cannot run: no such file', code: ErrorCode.ScriptNotRunnable },
    });
  });

  it('after a restart, stops and says what is known instead of running the script again', async () => {
    const { w, r, env } = await world(new FakeScripts());
    expect(await script.resumeCheck(w.deps, r, env)).toMatchObject({
      type: 'RollbackInterrupted',
      reason: expect.stringContaining('before it recorded whether the deploy script started'),
    });
    // A pid no process group has (above Linux's pid_max): the script is over, its outcome unknown.
    const gone = {
      ...r,
      deployment: { kind: 'script' as const, pid: 4_194_305, commandLine: './deploy.sh', outputFile: '/o' },
    };
    expect(await script.resumeCheck(w.deps, gone, env)).toMatchObject({
      type: 'RollbackInterrupted',
      reason: expect.stringContaining('whether it finished is not known'),
    });
  });

  it('plans exactly what it would run in a dry run, and words its manual recovery', async () => {
    const { r, env } = await world(new FakeScripts());
    expect(script.plan(r, env)[1]).toBe(
      '`./deploy.sh --rollback --env production --version v1 --output-dir /var/rollback/rb-1`',
    );
    expect(script.plan(r, env)[2]).toContain('ROLLBACK_OUTPUT_DIR, DEPLOY_REGION set');
    expect(script.manualRecovery(r, [])[1]).toContain('--rollback --env production --version v1');
  });
});
