/** The Docker adapter against the real engine in Swarm mode and the local registry (scripts/setup-docker.sh). */
import Docker from 'dockerode';
import {
  DockerContainerRuntime,
  updateServiceSpec,
  versionOfImage,
} from '../../src/adapters/docker/docker.container-runtime';
import {
  BACKEND_IMAGE,
  createService,
  docker,
  freePort,
  removeServices,
  requireSwarm,
  runningImage,
  uniqueName,
  updateImage,
  waitForVersion,
} from '../support/docker-env';

jest.setTimeout(120_000);

describe('versionOfImage', () => {
  it.each([
    ['127.0.0.1:5000/rollback-test/backend:v2@sha256:abc', 'v2'],
    ['registry.example.com/app-backend:3f2a9c1', '3f2a9c1'],
    ['registry:5000/app', null],
    ['app@sha256:abc', null],
    [undefined, null],
  ])('%s → %s', (ref, version) => expect(versionOfImage(ref)).toBe(version));
});

describe('DockerContainerRuntime on a real swarm', () => {
  let client: Docker;
  let runtime: DockerContainerRuntime;
  const created: string[] = [];

  beforeAll(async () => {
    client = await requireSwarm();
    runtime = new DockerContainerRuntime(client, { pollIntervalMs: 200 });
  });
  // Remove each test's services as soon as it ends: a crash-looping service slows the engine for the next test.
  afterEach(() => removeServices(...created.splice(0)));

  async function service(
    prefix: string,
    version: string,
    extra: string[] = [],
  ): Promise<{ name: string; port: number }> {
    const name = uniqueName(prefix);
    const port = await freePort();
    created.push(name);
    await createService(name, `${BACKEND_IMAGE}:${version}`, port, extra);
    return { name, port };
  }

  it('reads the running version and the one in PreviousSpec', async () => {
    const { name } = await service('inspect', 'v1');
    expect(await runtime.inspectService(name)).toMatchObject({ version: 'v1', previousVersion: null });
    await updateImage(name, `${BACKEND_IMAGE}:v2`);
    expect(await runtime.inspectService(name)).toMatchObject({
      dockerService: name,
      version: 'v2',
      previousVersion: 'v1',
    });
  });

  // What a resumed Step 3 relies on to tell an update Swarm took and someone undid from one it never took: the
  // versions alone are then exactly as before the rollback (v2 running, v1 in PreviousSpec).
  it('reports a spec version that stays put while nothing is done and moves on with an update and a rollback', async () => {
    const { name } = await service('specversion', 'v1');
    await updateImage(name, `${BACKEND_IMAGE}:v2`);
    const before = await runtime.inspectService(name);
    expect(before.specVersion).toEqual(expect.any(Number));
    expect((await runtime.inspectService(name)).specVersion).toBe(before.specVersion);
    await runtime.rollServiceTo(name, BACKEND_IMAGE, 'v1', { timeoutMs: 60_000 });
    const updated = await runtime.inspectService(name);
    expect(updated.specVersion).toBeGreaterThan(before.specVersion ?? Infinity);
    await docker('service', 'rollback', '--detach=false', '--quiet', name);
    const undone = await runtime.inspectService(name);
    expect(undone).toMatchObject({ version: 'v2', previousVersion: 'v1' });
    expect(undone.specVersion).toBeGreaterThan(updated.specVersion ?? Infinity);
  });

  it('says clearly when the service does not exist', async () => {
    await expect(runtime.inspectService('rbtest-does-not-exist')).rejects.toMatchObject({
      code: 'SERVICE_NOT_FOUND',
      message: 'Docker service "rbtest-does-not-exist" does not exist',
    });
  });

  it('pulls an image from the registry, and fails with the registry’s words for a missing tag', async () => {
    await docker('image', 'rm', '-f', `${BACKEND_IMAGE}:v3`).catch(() => '');
    await runtime.ensureImage(BACKEND_IMAGE, 'v3');
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', `${BACKEND_IMAGE}:v3`)).toMatch(/^sha256:/);

    await expect(runtime.ensureImage(BACKEND_IMAGE, 'v404')).rejects.toMatchObject({
      code: 'IMAGE_PULL_FAILED',
      message: expect.stringContaining(`${BACKEND_IMAGE}:v404`),
    });
    await expect(runtime.ensureImage('127.0.0.1:5999/nothing/here', 'v1')).rejects.toMatchObject({
      code: 'IMAGE_PULL_FAILED',
    });
  });

  it('rolls a service to the target, pinned by digest, and waits until it serves it', async () => {
    const { name, port } = await service('roll', 'v2');
    await runtime.rollServiceTo(name, BACKEND_IMAGE, 'v1', { timeoutMs: 60_000 });
    expect(await runningImage(name)).toMatch(new RegExp(`${BACKEND_IMAGE}:v1@sha256:[0-9a-f]{64}$`));
    // Converged means the task on v1 is running: /health answers v1 straight away.
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await res.json()).toEqual({ status: 'ok', version: 'v1' });
    // Again, as after a restart: nothing to update, returns once converged.
    const before = (await client.getService(name).inspect()).Version.Index;
    await runtime.rollServiceTo(name, BACKEND_IMAGE, 'v1', { timeoutMs: 30_000 });
    expect((await client.getService(name).inspect()).Version.Index).toBe(before);
  });

  it('re-inspects and retries when the update is out of sequence', async () => {
    const { name } = await service('sequence', 'v2');
    const versions: number[] = [];
    const retried: unknown[] = [];
    const log = {
      debug: () => undefined,
      info: (o: object) => retried.push(o),
      warn: () => undefined,
      error: () => undefined,
      child() {
        return log;
      },
    };
    await updateServiceSpec(
      client,
      name,
      async (spec) => {
        versions.push((await client.getService(name).inspect()).Version.Index);
        // The first time, someone else updates the service between our inspect and our update.
        if (versions.length === 1)
          await docker('service', 'update', '--detach=true', '--quiet', '--label-add', 'competing=1', name);
        return { ...spec, Labels: { ...spec.Labels, 'rollback-bot.attempt': String(versions.length) } };
      },
      { maxAttempts: 3, log },
    );
    expect(versions).toHaveLength(2);
    expect(versions[1]).toBeGreaterThan(versions[0]);
    expect(retried).toEqual([{ dockerService: name, attempt: 1 }]);
    const labels = (await client.getService(name).inspect()).Spec.Labels;
    expect(labels).toMatchObject({ competing: '1', 'rollback-bot.attempt': '2' });
  });

  it('notices Swarm pausing the update when the new tasks fail', async () => {
    const { name } = await service('pause', 'v2', ['--update-failure-action', 'pause', '--restart-condition', 'none']);
    await expect(runtime.rollServiceTo(name, BACKEND_IMAGE, 'crash', { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'SWARM_UPDATE_PAUSED',
      message: expect.stringContaining(`Swarm paused the update of ${name}`),
    });
  });

  it('notices Swarm rolling the update back, and reports what runs', async () => {
    const { name, port } = await service('autorollback', 'v2', [
      '--update-failure-action',
      'rollback',
      '--restart-condition',
      'none',
    ]);
    await expect(runtime.rollServiceTo(name, BACKEND_IMAGE, 'crash', { timeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'SWARM_ROLLED_BACK',
    });
    await waitForVersion(`http://127.0.0.1:${port}/health`, 'v2');
    expect((await runtime.inspectService(name)).version).toBe('v2');
  });

  it('gives up waiting at the timeout and says what it saw', async () => {
    const { name } = await service('timeout', 'v2', [
      '--update-failure-action',
      'continue',
      '--restart-condition',
      'none',
    ]);
    await expect(runtime.rollServiceTo(name, BACKEND_IMAGE, 'crash', { timeoutMs: 3000 })).rejects.toMatchObject({
      code: expect.stringMatching(/CONVERGENCE_TIMEOUT/),
      message: expect.stringContaining('did not converge on crash in time'),
    });
  });

  it('reports an unreachable engine as such', async () => {
    const nowhere = new DockerContainerRuntime(new Docker({ socketPath: '/nonexistent/docker.sock' }));
    await expect(nowhere.inspectService('anything')).rejects.toMatchObject({ code: 'DOCKER_UNREACHABLE' });
    await expect(nowhere.ping()).rejects.toMatchObject({ code: 'DOCKER_UNREACHABLE' });
  });
});
