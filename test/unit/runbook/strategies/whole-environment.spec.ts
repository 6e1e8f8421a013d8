/**
 * What Options A and C share, on the in-memory world: what runs is what /health reports (one unit, the environment),
 * a version is checked against the version grammar before it reaches someone else's program, Step 1's tooling check,
 * and what Step 3 records and says in the thread.
 */
import { ErrorCode, RollbackBotError } from '../../../../src/domain/errors';
import type { ProbeObservation } from '../../../../src/domain/findings';
import type { Rollback } from '../../../../src/domain/rollback';
import type { HealthProbe, ProbeOptions } from '../../../../src/ports';
import {
  inspectWhole,
  note,
  recordDeployment,
  resultFor,
  shellWords,
  unsafeArguments,
  versionNow,
  wholeEnvironment,
  wholeEnvironmentNow,
} from '../../../../src/runbook/strategies/whole-environment';
import {
  approvedEvents,
  draftRollback,
  healthyProbe,
  recordingLog,
  rollbackAfter,
  unitConfig,
  unitWorld,
} from '../../../support/fakes';

const AT = '2026-12-01T10:00:00.000Z';
const health: ProbeObservation = {
  url: 'http://health.invalid/health',
  ok: true,
  attempts: 1,
  status: 200,
  version: 'v2',
};
const config = unitConfig({ strategy: 'script', services: [], script: { command: './deploy.sh' } });
const env = config.environments.production;

/** Announced and about to run Step 3 (v2 → v1, as Step 1 found it). */
const executing = (): Rollback => ({
  ...rollbackAfter({ ...draftRollback(AT), strategy: 'script' }, [
    ...approvedEvents(AT),
    { type: 'RollbackAnnounced', at: AT, message: { channel: 'C0INCIDENT', ts: '1.1' } },
  ]),
  findings: {
    health: null,
    ready: null,
    services: [{ service: 'production', dockerService: './deploy.sh', version: 'v2', previousVersion: null }],
    target: 'v1',
    targetSource: 'requested',
    targetNote: '',
  },
});

/** /health as a probe that counts its calls and answers `answer` (or fails). */
function countingProbe(answer: string | Error) {
  const calls: Array<{ url: string; options: ProbeOptions }> = [];
  const probe: HealthProbe = {
    ...healthyProbe('v1'),
    probe: async (url, options) => {
      calls.push({ url, options });
      if (answer instanceof Error) throw answer;
      return { ...health, url, version: answer };
    },
  };
  return { probe, calls };
}

describe('what runs, for a strategy that deploys the environment as a whole', () => {
  it('is one unit, the environment, at the version /health reports (null when it reports none)', () => {
    const r = executing();
    expect(wholeEnvironment(r, './deploy.sh', health)).toEqual([
      { service: 'production', dockerService: './deploy.sh', version: 'v2', previousVersion: null },
    ]);
    expect(wholeEnvironment(r, 'acme/shop', { ...health, version: undefined })[0].version).toBeNull();
  });

  it('looks once, quickly, at /health only when asked to probe', async () => {
    const { probe, calls } = countingProbe('v3');
    const w = unitWorld(config, { probe });
    expect(await wholeEnvironmentNow(w.deps, executing(), 'acme/shop', env, { probe: false })).toEqual([
      { service: 'production', dockerService: 'acme/shop', version: null, previousVersion: null },
    ]);
    expect(calls).toEqual([]);
    expect((await wholeEnvironmentNow(w.deps, executing(), 'acme/shop', env, { probe: true }))[0].version).toBe('v3');
    expect(calls).toEqual([
      {
        url: 'http://health.invalid/health',
        options: { attempts: 1, intervalMs: 0, timeoutMs: env.health.timeout_ms },
      },
    ]);
  });

  it('reads as unknown when /health does not answer (a failure report must still be written)', async () => {
    const w = unitWorld(config, { probe: countingProbe(new Error('ECONNREFUSED')).probe });
    expect(await versionNow(w.deps, env)).toBeNull();
  });
});

describe('unsafeArguments', () => {
  it('takes plain versions and environment names', () => {
    for (const v of ['v1', '1.2.3', 'release_2026-12-01', 'a1b2c3d'])
      expect(unsafeArguments('production', v)).toBeNull();
  });

  it('refuses a version that could be read as an option or several arguments, saying nothing was run', () => {
    for (const v of ['--force', '-v1', 'v1 --force', 'v1;rm', '', 'v'.repeat(129)])
      expect(unsafeArguments('production', v)).toEqual({
        reason: expect.stringMatching(/is not a plain version .*: nothing was run\.$/),
        code: ErrorCode.VersionInvalid,
      });
    // A long one is quoted cut, as JSON (a newline cannot start a line of its own in the thread).
    expect(unsafeArguments('production', `v1\n${'x'.repeat(300)}`)?.reason).toMatch(/^The version "v1\\nx{137}" is/);
  });

  it('refuses an environment name that is not plain', () => {
    expect(unsafeArguments('-prod', 'v1')).toEqual({
      reason: 'The environment name "-prod" is not plain: nothing was run.',
      code: ErrorCode.VersionInvalid,
    });
  });
});

describe("Step 1's tooling check", () => {
  it('says what the tooling answered when it answers', async () => {
    expect(
      await inspectWhole(executing(), './deploy.sh', health, 'Deploy script', 'Option A', async () => 'ok'),
    ).toEqual({
      services: [{ service: 'production', dockerService: './deploy.sh', version: 'v2', previousVersion: null }],
      tooling: [{ tool: 'Deploy script', ok: true, detail: 'ok' }],
      blocked: null,
    });
  });

  it('blocks Step 1 with the reason and its code when it does not, and still says what runs', async () => {
    const coded = await inspectWhole(executing(), './deploy.sh', health, 'Deploy script', 'Option A', async () => {
      throw new RollbackBotError(ErrorCode.ScriptNotRunnable, './deploy.sh is not executable');
    });
    expect(coded).toEqual({
      services: [expect.objectContaining({ version: 'v2' })],
      tooling: [{ tool: 'Deploy script', ok: false, detail: './deploy.sh is not executable' }],
      blocked: { reason: 'Option A cannot run: ./deploy.sh is not executable', code: ErrorCode.ScriptNotRunnable },
    });
    const plain = await inspectWhole(executing(), 'acme/shop', health, 'GitHub Actions workflow', 'Option C', () =>
      Promise.reject(new Error('404 Not Found')),
    );
    expect(plain.blocked).toEqual({ reason: 'Option C cannot run: 404 Not Found', code: undefined });
  });
});

describe("Step 3's record and thread", () => {
  it("words a result from the version Step 1 found to the rollback's target", () => {
    expect(resultFor(executing(), './deploy.sh', 'failed', 'v2', 'exit 3', ErrorCode.ScriptFailed)).toEqual({
      service: 'production',
      dockerService: './deploy.sh',
      outcome: 'failed',
      fromVersion: 'v2',
      toVersion: 'v1',
      runningVersion: 'v2',
      detail: 'exit 3',
      errorCode: ErrorCode.ScriptFailed,
    });
    expect(resultFor({ ...executing(), findings: null }, './deploy.sh', 'rolled_back', 'v1').fromVersion).toBeNull();
  });

  it('records what Step 3 started in the store before following it', async () => {
    const w = unitWorld(config);
    const r = executing();
    await w.store.create(r);
    const deployment = { kind: 'script' as const, pid: 4242, commandLine: './deploy.sh', outputFile: '/o/deploy.log' };
    await recordDeployment(w.deps, r, deployment);
    expect((await w.store.get(r.id))?.deployment).toEqual(deployment);
  });

  it('warns the operators, and stores nothing, when the rollback is not in Step 3', async () => {
    const lines: string[] = [];
    const w = unitWorld(config, { log: recordingLog(lines) });
    const r = rollbackAfter(draftRollback(AT), approvedEvents(AT).slice(0, 2)); // awaiting approval
    await w.store.create(r);
    await recordDeployment(w.deps, r, { kind: 'workflow', runId: 7, url: 'https://x.invalid/7' });
    expect(lines).toEqual(['warn deployment not recorded']);
    expect((await w.store.get(r.id))?.deployment).toBeFalsy();
  });

  it('says a note in the thread of the rollback as stored now, or as given when it is not stored', async () => {
    const w = unitWorld(config);
    const stored = executing();
    await w.store.create(stored);
    const fact = { kind: 'script_output' as const, lines: ['done'], skipped: 0, outputFile: '/o/deploy.log' };
    await note(w.deps, { ...stored, reason: 'an older copy' }, fact);
    await note(w.deps, { ...stored, id: 'rb-gone' }, fact);
    expect(w.notifier.told.map((t) => [t.rollback.id, t.rollback.reason, t.event])).toEqual([
      ['rb-1', 'errors', { type: 'Note', at: AT, fact }],
      ['rb-gone', 'errors', { type: 'Note', at: AT, fact }],
    ]);
  });
});

describe('shellWords', () => {
  it('shows a command line as one could paste it: plain words bare, the rest single-quoted', () => {
    expect(shellWords(['./deploy.sh', '--env', 'production', '--version', 'v1.2', 'DIR=/a/b@c%d+e,f'])).toBe(
      './deploy.sh --env production --version v1.2 DIR=/a/b@c%d+e,f',
    );
    expect(shellWords(['echo', 'two words', "it's", '$HOME', ''])).toBe(`echo 'two words' 'it'\\''s' '$HOME' ''`);
  });
});
