/**
 * The real Docker engine in Swarm mode that scripts/setup-docker.sh brings up, and test services on it.
 * Test services are set up with the docker CLI, an implementation independent of the bot's dockerode adapter.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const exec = promisify(execFile);

export const REGISTRY = '127.0.0.1:5000';
export const BACKEND_IMAGE = `${REGISTRY}/rollback-test/backend`;
export const FRONTEND_IMAGE = `${REGISTRY}/rollback-test/frontend`;
export const TEST_LABEL = 'org.rollback-bot.test-service';

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, { timeout: 120_000 });
  return stdout.trim();
}

/** Fails with the fix in the message when the engine, swarm or registry is not there. */
export async function requireSwarm(): Promise<Docker> {
  const client = new Docker();
  try {
    const info = (await client.info()) as { Swarm?: { LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState !== 'active') throw new Error('swarm mode is not active');
    const res = await fetch(`http://${REGISTRY}/v2/`);
    if (!res.ok) throw new Error(`registry on ${REGISTRY} answered ${res.status}`);
  } catch (err) {
    throw new Error(
      `These tests need the Docker test environment: run \`sudo bash scripts/setup-docker.sh\` (${(err as Error).message})`,
    );
  }
  return client;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A one-replica service publishing container port 8080 on `port` (host mode: no routing mesh here). */
export async function createService(name: string, image: string, port: number, extra: string[] = []): Promise<void> {
  await docker(
    'service',
    'create',
    '--detach=false',
    '--quiet',
    '--name',
    name,
    '--label',
    `${TEST_LABEL}=1`,
    '--publish',
    `mode=host,published=${port},target=8080`,
    '--update-monitor',
    '1s',
    '--update-failure-action',
    'pause',
    '--stop-grace-period',
    '2s',
    ...extra,
    image,
  );
}

export async function updateImage(name: string, image: string): Promise<void> {
  await docker('service', 'update', '--detach=false', '--quiet', '--image', image, name);
}

export async function runningImage(name: string): Promise<string> {
  return docker('service', 'inspect', name, '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}');
}

export async function removeServices(...names: string[]): Promise<void> {
  await Promise.all(names.map((n) => docker('service', 'rm', n).catch(() => '')));
}

/** Waits until `url` answers JSON whose version is `version`. */
export async function waitForVersion(url: string, version: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      last = await res.text();
      if (res.ok && (JSON.parse(last) as { version?: string }).version === version) return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not report version ${version} within ${timeoutMs} ms (last: ${last})`);
}

export const uniqueName = (prefix: string) =>
  `rbtest-${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;

/** How many times Docker changed the image of `service` since `sinceSec` (swarm "update" events with image.new). */
export async function imageUpdatesSince(service: string, sinceSec: number): Promise<number> {
  const out = await docker(
    'events',
    '--since',
    String(sinceSec),
    '--until',
    String(Math.ceil(Date.now() / 1000) + 1),
    '--filter',
    'type=service',
    '--filter',
    'event=update',
    '--format',
    '{{.Actor.Attributes.name}} {{index .Actor.Attributes "image.new"}}',
  );
  return out.split('\n').filter((l) => l.startsWith(`${service} `) && l.trim() !== service && !l.endsWith('<no value>'))
    .length;
}

/** Two services (backend, frontend) on the swarm, published on free ports. */
export async function createStack(
  prefix: string,
  version: string,
  extra: string[] = [],
): Promise<{ backend: string; frontend: string; backendPort: number; frontendPort: number }> {
  const backend = uniqueName(`${prefix}-be`);
  const frontend = uniqueName(`${prefix}-fe`);
  const [backendPort, frontendPort] = await Promise.all([freePort(), freePort()]);
  await Promise.all([
    createService(backend, `${BACKEND_IMAGE}:${version}`, backendPort, extra),
    createService(frontend, `${FRONTEND_IMAGE}:${version}`, frontendPort, extra),
  ]);
  return { backend, frontend, backendPort, frontendPort };
}
