/**
 * Stopping `npm run playground` the way a process manager does: one signal to npm's own pid (not the terminal's
 * Ctrl-C, which reaches the whole process group). npm passes SIGINT and SIGTERM to its child only, so whatever runs
 * under npm has to get them too. Run on the simulated demo environment: no Docker needed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { freePort } from '../support/docker-env';
import { until } from '../support/wait';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');

/** Every live process under `pid` (children, their children…), from /proc: pid → command line. */
function descendants(pid: number): Map<number, string> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name, in parentheses, may hold spaces: the fields after it are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone while we read
    }
  }
  const found = new Map<number, string>();
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length) {
    const p = queue.shift() as number;
    try {
      found.set(p, readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      continue;
    }
    queue.push(...(children.get(p) ?? []));
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

interface Run {
  npm: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startPlayground(): Promise<Run> {
  const port = await freePort();
  const npm = spawn('npm', ['run', 'playground'], {
    cwd: ROOT,
    env: { ...process.env, PLAYGROUND_TARGET: 'simulated', PLAYGROUND_PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { npm, port, output: () => out, exited };
}

/** Sends `signal` to npm's pid and says how long npm took to exit (Infinity: not within `withinMs`). */
async function stopWith(run: Run, signal: NodeJS.Signals, withinMs: number): Promise<number> {
  const started = Date.now();
  run.npm.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    run.exited.then(() => true),
    new Promise<false>((r) => (timer = setTimeout(() => r(false), withinMs))),
  ]);
  clearTimeout(timer);
  return done ? Date.now() - started : Infinity;
}

/** Whatever the test started and is still running goes (SIGKILL), so a failed test leaves nothing behind. */
function killAll(run: Run, tree: Map<number, string>) {
  for (const pid of [...tree.keys(), run.npm.pid as number]) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

it.each(['SIGINT', 'SIGTERM'] as const)(
  "%s to npm's pid once the page is up: the playground stops within a few seconds and frees its port",
  async (signal) => {
    const run = await startPlayground();
    let tree = new Map<number, string>();
    try {
      await until(() => run.output().includes('Open http://'), `the playground's URL (output so far: ${run.output()})`);
      tree = descendants(run.npm.pid as number);
      expect([...tree.values()].some((cmd) => cmd.includes('node'))).toBe(true);

      const tookMs = await stopWith(run, signal, 8000);
      expect(tookMs).toBeLessThan(5000);
      const left = [...tree].filter(([pid]) => alive(pid)).map(([pid, cmd]) => `${pid} ${cmd}`);
      expect(left).toEqual([]);
      expect(await portFree(run.port)).toBe(true);
    } finally {
      killAll(run, tree);
    }
  },
);

it("SIGTERM to npm's pid while the playground compiles: the compiler stops too, and nothing starts", async () => {
  const run = await startPlayground();
  let tree = new Map<number, string>();
  try {
    await until(() => {
      tree = descendants(run.npm.pid as number);
      return [...tree.values()].some((cmd) => cmd.includes('tsc'));
    }, 'the TypeScript compiler to start');

    const tookMs = await stopWith(run, 'SIGTERM', 8000);
    expect(tookMs).toBeLessThan(3000);
    // Whatever ran under npm then (the compiler included) is gone, and stays gone: the page never comes up.
    await new Promise((r) => setTimeout(r, 500));
    const left = [...tree].filter(([pid]) => alive(pid)).map(([pid, cmd]) => `${pid} ${cmd}`);
    expect(left).toEqual([]);
    expect(run.output()).not.toContain('Open http://');
  } finally {
    killAll(run, tree);
  }
});
