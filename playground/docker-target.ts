/**
 * The playground's real demo environment: a two-service stack on the local Docker engine in Swarm mode, with tiny
 * images built on the spot (a busybox httpd serving /health), no registry involved. The bot rolls it back with the
 * production Docker adapter; only "pull the target image" is replaced by "the engine has it", since these images
 * exist only locally.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  copyFileSync,
  createReadStream,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { DockerContainerRuntime } from '../src/adapters/docker/docker.container-runtime';
import { ErrorCode, RollbackBotError } from '../src/domain/errors';
import type { ContainerRuntime } from '../src/ports';
import { DockerServiceEvents } from '../src/adapters/docker/docker.service-events';
import type { DemoTarget } from './playground';

const names = (prefix: string) => ({
  REPO: { backend: `${prefix}/backend`, frontend: `${prefix}/frontend` },
  SERVICE: { backend: `${prefix}-backend`, frontend: `${prefix}-frontend` },
});
const BUSYBOX = '/bin/busybox';
const VERSIONS = ['v1', 'v2', 'v3'];
/** On the demo's services and images: `docker image ls -f label=…` finds what a killed playground left behind. */
export const PLAYGROUND_LABEL = 'org.rollback-bot.playground';

const ENTRYPOINT = `#!/bin/sh
# /health says the version, except on the bad version v2 (no /health: 404). Traps SIGTERM so updates are quick.
mkdir -p /www
[ "$APP_VERSION" != "v2" ] && printf '{"status":"ok","version":"%s"}' "$APP_VERSION" > /www/health
printf '{"ready":true,"version":"%s"}' "$APP_VERSION" > /www/ready
printf '<html><body>demo shop %s</body></html>' "$APP_VERSION" > /www/index.html
trap 'kill "$pid" 2>/dev/null; exit 0' TERM INT
httpd -f -p 8080 -h /www &
pid=$!
wait "$pid"
`;

/** Why the Docker demo cannot run here (and the simulated target is used), or null when it can. */
export async function dockerUnavailable(docker: Docker): Promise<string | null> {
  try {
    const info = (await Promise.race([
      docker.info(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
    ])) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
    };
    if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable)
      return 'the Docker engine is not a Swarm manager (run `docker swarm init`)';
  } catch (err) {
    return `no Docker engine answers (${(err as Error).message})`;
  }
  const busybox = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' });
  if (busybox.status !== 0 || !busybox.stdout.split('\n').includes('httpd'))
    return `the demo images need a static busybox with httpd at ${BUSYBOX} (Debian: apt-get install busybox-static)`;
  if (spawnSync('tar', ['--version']).status !== 0) return 'the demo images need `tar`';
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function buildImages(docker: Docker, REPO: { backend: string; frontend: string }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rollback-playground-image-'));
  try {
    const root = path.join(dir, 'rootfs');
    mkdirSync(path.join(root, 'bin'), { recursive: true });
    mkdirSync(path.join(root, 'tmp'));
    copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
    chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    for (const app of ['sh', 'httpd', 'mkdir', 'kill', 'printf']) symlinkSync('busybox', path.join(root, 'bin', app));
    writeFileSync(path.join(root, 'entrypoint.sh'), ENTRYPOINT, { mode: 0o755 });
    const tar = path.join(dir, 'rootfs.tar');
    const made = spawnSync('tar', ['-C', root, '-cf', tar, '.']);
    if (made.status !== 0) throw new Error(`tar failed: ${made.stderr.toString()}`);
    for (const repo of Object.values(REPO)) {
      for (const version of VERSIONS) {
        const stream = (await docker.importImage(
          createReadStream(tar) as unknown as string,
          {
            repo,
            tag: version,
            changes: [
              'CMD ["/bin/sh","/entrypoint.sh"]',
              `ENV APP_VERSION=${version}`,
              'EXPOSE 8080',
              `LABEL ${PLAYGROUND_LABEL}=true`,
            ],
          } as object,
        )) as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) =>
          docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The production adapter, except that the target image only has to be present on this engine. */
class LocalImagesRuntime implements ContainerRuntime {
  constructor(
    private readonly inner: DockerContainerRuntime,
    private readonly docker: Docker,
  ) {}

  ping = () => this.inner.ping();
  imageLabels = (image: string, version: string) => this.inner.imageLabels(image, version);
  inspectService = (name: string) => this.inner.inspectService(name);
  rollServiceTo: ContainerRuntime['rollServiceTo'] = (name, image, version, options) =>
    this.inner.rollServiceTo(name, image, version, options);

  async ensureImage(image: string, version: string): Promise<void> {
    try {
      await this.docker.getImage(`${image}:${version}`).inspect();
    } catch {
      throw new RollbackBotError(
        ErrorCode.ImagePullFailed,
        `the demo has no image ${image}:${version} (it built v1, v2 and v3)`,
      );
    }
  }
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

/**
 * Removes the demo's services, then the images it built. Swarm removes a service's containers a moment after the
 * service, and the engine refuses to remove an image a container still uses (409): retried until `withinMs`. Throws
 * naming what is left, with the commands that remove it.
 */
export async function removeDemo(docker: Docker, prefix: string, withinMs = 20_000): Promise<void> {
  const { REPO, SERVICE } = names(prefix);
  const deadline = Date.now() + withinMs;
  await Promise.all(
    Object.values(SERVICE).map((s) =>
      docker
        .getService(s)
        .remove()
        .catch((err: unknown) => {
          if (statusOf(err) !== 404) throw err;
        }),
    ),
  );
  let left = Object.values(REPO).flatMap((repo) => VERSIONS.map((v) => `${repo}:${v}`));
  for (;;) {
    const failed: { ref: string; err: unknown }[] = [];
    await Promise.all(
      left.map((ref) =>
        docker
          .getImage(ref)
          .remove()
          .catch((err: unknown) => {
            if (statusOf(err) !== 404) failed.push({ ref, err });
          }),
      ),
    );
    left = failed.map((f) => f.ref);
    if (failed.length === 0) return;
    if (failed.some((f) => statusOf(f.err) !== 409) || Date.now() > deadline) {
      throw new Error(
        `could not remove the demo images ${left.join(', ')} (${(failed[0].err as Error).message}); remove them with: docker image rm ${left.join(' ')}`,
        { cause: failed[0].err },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `prefix` names the images and services (the tests use their own, so as not to touch a running playground). */
export async function dockerTarget(docker = new Docker(), prefix = 'rollback-playground'): Promise<DemoTarget> {
  const { REPO, SERVICE } = names(prefix);
  const runtime = new DockerContainerRuntime(docker, { pollIntervalMs: 300 });
  const ports = { backend: await freePort(), frontend: await freePort() };
  const create = async (name: string, repo: string, port: number) => {
    await docker
      .getService(name)
      .remove()
      .catch(() => undefined);
    await docker.createService({
      Name: name,
      Labels: { [PLAYGROUND_LABEL]: 'true' },
      TaskTemplate: {
        ContainerSpec: { Image: `${repo}:v1`, StopGracePeriod: 2_000_000_000 },
        RestartPolicy: { Condition: 'on-failure', MaxAttempts: 3 },
      },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause', Monitor: 2_000_000_000 },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: port, PublishMode: 'host' }] },
    } as Docker.CreateServiceOptions);
  };
  const deployBad = () =>
    Promise.all([
      runtime.rollServiceTo(SERVICE.backend, REPO.backend, 'v2', { timeoutMs: 60_000 }),
      runtime.rollServiceTo(SERVICE.frontend, REPO.frontend, 'v2', { timeoutMs: 60_000 }),
    ]).then(() => undefined);
  try {
    await buildImages(docker, REPO);
    await Promise.all([
      create(SERVICE.backend, REPO.backend, ports.backend),
      create(SERVICE.frontend, REPO.frontend, ports.frontend),
    ]);
    // v1 first (good), then the bad deploy: v2 runs, v1 is in Swarm's PreviousSpec, as after a real bad deploy.
    await Promise.all([
      runtime.rollServiceTo(SERVICE.backend, REPO.backend, 'v1', { timeoutMs: 60_000 }),
      runtime.rollServiceTo(SERVICE.frontend, REPO.frontend, 'v1', { timeoutMs: 60_000 }),
    ]);
    await deployBad();
  } catch (err) {
    // A demo that failed to come up leaves nothing behind either.
    await removeDemo(docker, prefix).catch(() => undefined);
    throw err;
  }
  return {
    kind: 'docker',
    // Swarm publishes a port on every interface of the host (it cannot bind one address): say so.
    description: `services ${SERVICE.backend} (port ${ports.backend}) and ${SERVICE.frontend} (port ${ports.frontend}) on the bad version v2 (v1 is good), images built locally; Swarm publishes their ports on every interface of this host until the playground stops`,
    runtime: new LocalImagesRuntime(runtime, docker),
    environment: () => ({
      health: {
        url: `http://127.0.0.1:${ports.backend}/health`,
        ready_url: `http://127.0.0.1:${ports.backend}/ready`,
        retries: 3,
        interval_ms: 500,
        timeout_ms: 2000,
      },
      smoke_tests: [{ name: 'home page', url: `http://127.0.0.1:${ports.frontend}/`, expect_status: 200 }],
      services: [
        { name: 'backend', docker_service: SERVICE.backend, image: REPO.backend },
        { name: 'frontend', docker_service: SERVICE.frontend, image: REPO.frontend },
      ],
      docker: { convergence_timeout_ms: 120_000 },
    }),
    reset: deployBad,
    // The engine's own event stream, as in production.
    events: new DockerServiceEvents(docker),
    changeByHand: async () => {
      await deployBad();
      return `${SERVICE.backend} and ${SERVICE.frontend} updated to v2 by hand (docker service update)`;
    },
    // What it built goes with it: the services, then the six images.
    stop: () => removeDemo(docker, prefix),
  };
}

export const dockerSocketPresent = () => Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
