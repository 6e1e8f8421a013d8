/**
 * A second, private Docker engine in Swarm mode, for the tests that stop and restart an engine: the shared one that
 * scripts/setup-docker.sh runs serves the other test files at the same time and must never go away. It has its own
 * data root and socket, and its own network namespace (only loopback): two engines in one namespace fight over the
 * host's bridges (a second engine's start or stop removed the shared engine's docker0). Its services run no tasks
 * (`--replicas 0`) and its images are not pulled: the tests are about what the engine reports, not about containers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { docker, freePort } from './docker-env';

export interface SpareEngine {
  socketPath: string;
  client: Docker;
  /** The docker CLI against this engine. */
  cli(...args: string[]): Promise<string>;
  /** Stops the engine (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same data root (the swarm and its services come back) and waits until it answers. */
  start(): Promise<void>;
  /** Stops it for good and removes its files. */
  remove(): Promise<void>;
}

export async function startSpareEngine(): Promise<SpareEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-engine-'));
  const socketPath = join(dir, 'docker.sock');
  const client = new Docker({ socketPath });
  const cli = (...args: string[]) => docker('-H', `unix://${socketPath}`, ...args);
  let proc: ChildProcess | null = null;

  const start = async () => {
    const log = openSync(join(dir, 'dockerd.log'), 'a');
    // unshare execs the shell, which execs dockerd: the process to signal is the engine itself.
    proc = spawn(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        'ip link set lo up && exec dockerd "$@"',
        'dockerd',
        `--data-root=${join(dir, 'data')}`,
        `--exec-root=${join(dir, 'exec')}`,
        `--pidfile=${join(dir, 'docker.pid')}`,
        `--host=unix://${socketPath}`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
      ],
      { stdio: ['ignore', log, log] },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null)
        throw new Error(`the spare dockerd exited (${proc.exitCode}); see ${dir}/dockerd.log`);
      if (
        await client.ping().then(
          () => true,
          () => false,
        )
      )
        return;
      if (Date.now() > deadline) throw new Error(`the spare dockerd did not answer in 60 s; see ${dir}/dockerd.log`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    proc = null;
  };

  await start();
  await cli(
    'swarm',
    'init',
    '--listen-addr',
    `127.0.0.1:${await freePort()}`,
    '--advertise-addr',
    '127.0.0.1',
    // VXLAN's UDP port, away from the shared engine's 4789 (Docker takes 1024–49151 here).
    '--data-path-port',
    String(20_000 + Math.floor(Math.random() * 20_000)),
  );
  return {
    socketPath,
    client,
    cli,
    stop,
    start,
    remove: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
