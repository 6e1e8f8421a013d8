/**
 * The playground on a real Docker engine in Swarm mode: the demo stack is built on the spot (images imported
 * locally, no registry), and a rollback started through the stand-in's page API (exactly the requests the page
 * sends) takes the real services from v2 back to v1.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { dockerTarget, dockerUnavailable } from '../../playground/docker-target';
import { type Playground, startPlayground } from '../../playground/playground';
import { ACTION } from '../../src/slack/ids';
import { requireSwarm } from '../support/docker-env';
import { until } from '../support/wait';

jest.setTimeout(180_000);

const PREFIX = `rbtest-playground-${process.pid}`;
const ROOT = path.resolve(__dirname, '../..');
const exec = promisify(execFile);
let pg: Playground | undefined;

afterAll(async () => {
  await pg?.stop();
});

const ui = async (path: string, body: Record<string, string>) => {
  const res = await fetch(`${pg?.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
};

it('builds the demo stack on the swarm and rolls it back for real from the page', async () => {
  await requireSwarm();
  const docker = new Docker();
  expect(await dockerUnavailable(docker)).toBeNull();
  const target = await dockerTarget(docker, PREFIX);
  pg = await startPlayground({ port: 0, target, logLevel: 'silent' });
  const standin = pg.standin;
  expect(standin.snapshot().target.kind).toBe('docker');

  const before = await docker.getService(`${PREFIX}-backend`).inspect();
  expect(before.Spec.TaskTemplate.ContainerSpec.Image).toMatch(new RegExp(`^${PREFIX}/backend:v2`));

  expect(await ui('/ui/command', { user: 'U0ONCALL', text: '/rollback production bad deploy' })).toMatchObject({
    ok: true,
    status: 200,
  });
  const card = await until(
    () => standin.messages.find((m) => JSON.stringify(m.blocks ?? []).includes('Awaiting approval')),
    'the card awaiting approval',
  );
  expect(JSON.stringify(card.blocks)).toContain('Swarm');
  await ui('/ui/click', {
    user: 'U0IC',
    ts: card.ts,
    actionId: ACTION.approve,
    value: (await pg.bot.store.list({ limit: 1 }))[0].id,
  });
  await until(() => standin.messages.some((m) => m.text.includes('ROLLBACK COMPLETE')), 'ROLLBACK COMPLETE');

  for (const s of ['backend', 'frontend']) {
    const after = await docker.getService(`${PREFIX}-${s}`).inspect();
    expect(after.Spec.TaskTemplate.ContainerSpec.Image).toMatch(new RegExp(`^${PREFIX}/${s}:v1`));
  }
});

it('on stop, removes the demo services and the six images it built', async () => {
  const docker = new Docker();
  const built = () => docker.listImages({ filters: { reference: [`${PREFIX}/*`] } });
  expect(pg).toBeDefined();
  expect((await built()).flatMap((i) => i.RepoTags ?? [])).toHaveLength(6);
  const started = Date.now();
  await pg?.stop();
  pg = undefined;
  expect(Date.now() - started).toBeLessThan(15_000);
  const services = await docker.listServices({ filters: { name: [PREFIX] } });
  expect(services.map((s) => s.Spec?.Name)).toEqual([]);
  expect((await built()).flatMap((i) => i.RepoTags ?? [])).toEqual([]);
});

it('with its port taken, says so at once and builds nothing', async () => {
  const out = path.join(ROOT, '.test-build', `playground-${process.pid}`);
  await exec('npx', ['tsc', '-p', 'tsconfig.playground.json', '--outDir', out], { cwd: ROOT, timeout: 120_000 });
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as AddressInfo).port;
  try {
    const started = Date.now();
    const run = await exec(process.execPath, [path.join(out, 'playground', 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PLAYGROUND_PORT: String(port), PLAYGROUND_TARGET: 'docker' },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`playground: port ${port} is taken: set PLAYGROUND_PORT to a free one\n`);
    expect(run.stdout).not.toContain('Building the demo images');
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    taken.close();
    rmSync(out, { recursive: true, force: true });
  }
});
