/**
 * `npm run playground`: the whole flow on this machine with no Slack workspace. Prints one URL to open.
 *   PLAYGROUND_PORT    where the page and the Slack stand-in listen (default 3000)
 *   PLAYGROUND_HOST    the address they listen on (default 127.0.0.1: only this machine; 0.0.0.0 lets others in)
 *   PLAYGROUND_TARGET  auto (default: Docker Swarm when reachable, else simulated), docker, simulated
 *   LOG_LEVEL          the bot's log level on stderr (default warn)
 */
import { createServer } from 'node:net';
import Docker from 'dockerode';
import { PLAYGROUND_LABEL, dockerSocketPresent, dockerTarget, dockerUnavailable } from './docker-target';
import { type DemoTarget, type Playground, simulatedTarget, startPlayground } from './playground';

async function chooseTarget(): Promise<DemoTarget> {
  const wanted = process.env.PLAYGROUND_TARGET ?? 'auto';
  if (wanted === 'simulated') return simulatedTarget();
  if (wanted !== 'auto' && wanted !== 'docker')
    throw new Error(`PLAYGROUND_TARGET must be auto, docker or simulated (not ${wanted})`);
  const docker = new Docker();
  const why =
    wanted === 'docker' || dockerSocketPresent()
      ? await dockerUnavailable(docker)
      : 'no Docker engine found (DOCKER_HOST unset, no /var/run/docker.sock)';
  if (why === null) {
    process.stdout.write('Building the demo images and the demo stack on the local Docker Swarm…\n');
    return dockerTarget(docker);
  }
  if (wanted === 'docker') throw new Error(`PLAYGROUND_TARGET=docker, but ${why}`);
  process.stdout.write(`Using the simulated demo environment: ${why}.\n`);
  return simulatedTarget();
}

/** Fails at once when the port is taken, before anything is built or started on the swarm. */
function portFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Who can open the page: said in the banner, since the page can change production. */
function reach(pg: Playground): string {
  if (pg.host === '127.0.0.1') return 'Only this machine can open it (set PLAYGROUND_HOST=0.0.0.0 to let others in).';
  return [
    `Listening on ${pg.host} (PLAYGROUND_HOST): anyone who can reach this address can drive the demo environment.`,
    `The page answers only when asked for as ${pg.hostNames.join(', ')}; other names are refused.`,
  ].join('\n');
}

/** How long stopping may take before the playground gives up and exits anyway, saying so. */
const STOP_WITHIN_MS = 30_000;

/**
 * SIGINT or SIGTERM, from the start: a stop that comes while the demo is still being built waits for that step,
 * then removes what it built, rather than dying half-way and leaving services and images behind.
 */
let stopRequested = false;
let stopNow: () => void = () => undefined;
const stopSignal = new Promise<void>((resolve) => {
  stopNow = resolve;
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A terminal's Ctrl-C reaches this process twice (from the terminal and passed on by npm): once is enough.
    if (stopRequested) return;
    stopRequested = true;
    process.stdout.write(`Stopping (${signal}): removing what the playground started and built…\n`);
    setTimeout(() => {
      process.stderr.write(
        `playground: still stopping after ${STOP_WITHIN_MS / 1000} s; exiting. Left behind, if anything: docker service ls -f label=${PLAYGROUND_LABEL}; docker image ls -f label=${PLAYGROUND_LABEL}\n`,
      );
      process.exit(1);
    }, STOP_WITHIN_MS).unref();
    stopNow();
  });
}

/** Stops `what`, then exits: 0 when it stopped cleanly, 1 (saying why) when it did not. */
function stopAndExit(what: { stop(): Promise<void> }): Promise<never> {
  return what.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`playground: ${err instanceof Error ? err.message : String(err)}\n`);
      return process.exit(1);
    },
  );
}

async function main(): Promise<void> {
  const port = Number(process.env.PLAYGROUND_PORT ?? 3000);
  const host = process.env.PLAYGROUND_HOST || '127.0.0.1';
  await portFree(port, host);
  if (stopRequested) process.exit(0);
  const target = await chooseTarget();
  if (stopRequested) await stopAndExit(target);
  let pg: Playground;
  try {
    pg = await startPlayground({ port, host, target, logLevel: process.env.LOG_LEVEL ?? 'warn' });
  } catch (err) {
    // Leave nothing behind: the demo services on the swarm go with the playground that failed to start.
    await target.stop().catch(() => undefined);
    throw err;
  }
  if (stopRequested) await stopAndExit(pg);
  process.stdout.write(
    [
      '',
      'The bot runs with this config (rollback.config.yml); write yours the same way, see rollback.config.example.yml:',
      '',
      pg.configYaml.replace(/^/gm, '    '),
      `Demo environment: ${target.kind === 'docker' ? 'REAL Docker Swarm' : 'SIMULATED (no Docker)'} — ${target.description}`,
      '',
      `Open ${pg.url} and type: /rollback production bad deploy`,
      reach(pg),
      '',
      `The bot itself listens on ${pg.botUrl} (this machine only): GET /healthz /readyz, the API at /api/v1/…, and`,
      `    curl -H 'Authorization: Bearer ${pg.metricsToken}' ${pg.botUrl}/metrics`,
      '',
    ].join('\n'),
  );
  await stopSignal;
  await stopAndExit(pg);
}

main().catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  const why =
    code === 'EADDRINUSE'
      ? `port ${process.env.PLAYGROUND_PORT ?? 3000} is taken: set PLAYGROUND_PORT to a free one`
      : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `cannot listen on PLAYGROUND_HOST=${process.env.PLAYGROUND_HOST}: it is not an address of this machine`
        : err instanceof Error
          ? err.message
          : String(err);
  process.stderr.write(`playground: ${why}\n`);
  process.exit(1);
});
