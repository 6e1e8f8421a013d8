/**
 * The playground as a web page on this machine can be reached by other machines and by other web sites (issue 22):
 * it listens on loopback only, refuses a Host that is not its own address (DNS rebinding) and a state-changing
 * request from another origin (a cross-site post), and an oversized chunked body is answered 413 while it keeps
 * serving. Each is tried with real HTTP requests against a real playground (the real bot, the Slack stand-in and the
 * simulated demo environment) on 127.0.0.1.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect, createServer } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Playground, simulatedTarget, startPlayground } from '../../playground/playground';
import { until } from '../support/wait';

jest.setTimeout(60_000);

let pg: Playground | undefined;

afterEach(async () => {
  await pg?.stop();
  pg = undefined;
});

async function playground(host?: string): Promise<Playground> {
  pg = await startPlayground({ port: 0, host, target: simulatedTarget(300), logLevel: 'silent' });
  return pg;
}

const portOf = (url: string) => Number(new URL(url).port);

interface Sent {
  status: number;
  text: string;
}

interface Send {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent in chunks (Transfer-Encoding: chunked, no Content-Length), as many as given. */
  chunks?: Buffer[];
  body?: string;
  /** Where to connect (default: the playground's own address). */
  to?: string;
}

/** One HTTP request with the exact headers given (fetch may not set Host); a header given as '' is not sent. */
function send(base: string, s: Send): Promise<Sent> {
  const url = new URL(s.path, s.to ?? base);
  const headers = Object.fromEntries(Object.entries(s.headers ?? {}).filter(([, v]) => v !== ''));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: s.method ?? 'GET', headers, timeout: 10_000, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within 10 s`)));
    // The server may answer and close while the body is still being written: the answer is what counts.
    req.on('error', reject);
    if (s.chunks) {
      const chunks = [...s.chunks];
      const next = () => {
        const c = chunks.shift();
        if (!c) return req.end();
        if (req.destroyed) return;
        if (req.write(c)) setImmediate(next);
        else req.once('drain', next);
      };
      next();
    } else req.end(s.body);
  });
}

/** The page's own request: JSON, from the page's origin, as Chromium sends it (each of `changed` replaces one). */
const fromPage = (pg: Playground, path: string, body: Record<string, unknown>, changed: Record<string, string> = {}) =>
  send(pg.url, {
    method: 'POST',
    path,
    headers: {
      Host: new URL(pg.url).host,
      'Content-Type': 'application/json',
      Origin: pg.url,
      Referer: `${pg.url}/`,
      'Sec-Fetch-Site': 'same-origin',
      'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36',
      ...changed,
    },
    body: JSON.stringify(body),
  });

/** Whether anything accepts a TCP connection there. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const ranCommand = (pg: Playground) => pg.standin.ephemerals.filter((e) => e.text.startsWith('You ran'));

describe('where it listens', () => {
  it('by default, the page and the bot listen on 127.0.0.1 only', async () => {
    const pg = await playground();
    const page = portOf(pg.url);
    expect(new URL(pg.url).hostname).toBe('127.0.0.1');
    expect(await accepts('127.0.0.1', page)).toBe(true);
    expect(await accepts('127.0.0.1', pg.bot.port)).toBe(true);
    // 127.0.0.2 is this machine too (all of 127/8 is loopback): only a server on every address answers there.
    expect(await accepts('127.0.0.2', page)).toBe(false);
    expect(await accepts('127.0.0.2', pg.bot.port)).toBe(false);
  });

  it('with another host asked for, the page is served there, and the bot still reaches the stand-in', async () => {
    const pg = await playground('127.0.0.2');
    expect(new URL(pg.url).hostname).toBe('127.0.0.2');
    expect(await accepts('127.0.0.1', portOf(pg.url))).toBe(false);
    // The bot is never exposed: the stand-in reaches it on loopback.
    expect(await accepts('127.0.0.2', pg.bot.port)).toBe(false);
    const page = await send(pg.url, { path: '/' });
    expect(page.status).toBe(200);
    expect(await fromPage(pg, '/ui/command', { user: 'U0ONCALL', text: '/rollback help' })).toMatchObject({
      status: 200,
    });
    // The bot's answer came back through the stand-in's Web API and response URL at the configured host.
    await until(
      () => pg.standin.ephemerals.some((e) => /rollback/i.test(e.text) && !e.text.startsWith('You ran')),
      'the help',
      15_000,
    );
  });
});

const ROOT = path.resolve(__dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** `npm run playground` (compiled as npm compiles it) until its banner is out; then stopped as Ctrl-C stops it. */
async function banner(
  main: string,
  env: Record<string, string>,
  whileUp: (out: string) => Promise<void> = async () => undefined,
): Promise<string> {
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PLAYGROUND_TARGET: 'simulated', LOG_LEVEL: 'silent', ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await until(() => /Open http[^\n]*\n|playground: [^\n]*\n/.test(out), 'the banner', 30_000);
    // The banner is one write; a pipe may hand it over in pieces.
    await new Promise((r) => setTimeout(r, 300));
    await whileUp(out);
    return out;
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

it('npm run playground says who can open the page, and listens where PLAYGROUND_HOST says', async () => {
  const out = path.join(ROOT, '.test-build', `playground-hosts-${process.pid}`);
  // Only the JavaScript is needed here (npm run typecheck checks the types): half the time.
  await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.playground.json', '--noCheck', '--outDir', out], {
    cwd: ROOT,
    timeout: 120_000,
  });
  // The page beside the compiled code, where main.js looks first.
  cpSync(path.join(ROOT, 'playground', 'web'), path.join(out, 'playground', 'web'), { recursive: true });
  const main = path.join(out, 'playground', 'main.js');
  try {
    const port = await freePort();
    const bot: Array<{ path: string; status: number }> = [];
    const loopback = await banner(main, { PLAYGROUND_PORT: String(port) }, async (out) => {
      // The bot's own port, where /healthz, /readyz, /metrics and the API live, is in the banner: ask it.
      const said = /The bot itself listens on (http:\/\/127\.0\.0\.1:\d+) \(this machine only\)/.exec(out);
      const metrics = /curl -H 'Authorization: Bearer ([^']+)' (\S+)\/metrics/.exec(out);
      expect(said).not.toBeNull();
      expect(metrics?.[2]).toBe(said?.[1]);
      for (const [p, headers] of [
        ['/healthz', {}],
        ['/readyz', {}],
        ['/metrics', { Authorization: `Bearer ${metrics?.[1]}` }],
      ] as const)
        bot.push({ path: p, status: (await fetch(`${said?.[1]}${p}`, { headers })).status });
    });
    expect(bot).toEqual([
      { path: '/healthz', status: 200 },
      { path: '/readyz', status: 200 },
      { path: '/metrics', status: 200 },
    ]);
    expect(loopback).toContain(`Open http://127.0.0.1:${port} and type`);
    expect(loopback).toContain('Only this machine can open it (set PLAYGROUND_HOST=0.0.0.0 to let others in).');

    const other = await banner(main, { PLAYGROUND_PORT: String(port), PLAYGROUND_HOST: '127.0.0.2' });
    expect(other).toContain(`Open http://127.0.0.2:${port} and type`);
    expect(other).toContain('Listening on 127.0.0.2 (PLAYGROUND_HOST)');
    expect(other).toContain('only when asked for as 127.0.0.1, localhost, [::1], 127.0.0.2;');

    const elsewhere = await banner(main, { PLAYGROUND_PORT: String(port), PLAYGROUND_HOST: '192.0.2.123' });
    expect(elsewhere).toBe(
      'playground: cannot listen on PLAYGROUND_HOST=192.0.2.123: it is not an address of this machine\n',
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

describe('Host: DNS rebinding', () => {
  it('answers the page at 127.0.0.1, localhost and [::1] on its port', async () => {
    const pg = await playground();
    const port = portOf(pg.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`]) {
      const res = await send(pg.url, { path: '/', headers: { Host: host } });
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
  });

  it('refuses a page, the event stream or an action asked for under another name, and changes nothing', async () => {
    const pg = await playground();
    const port = portOf(pg.url);
    for (const host of [`rebind.example:${port}`, `127.0.0.1:${port + 1}`, `localhost`, hostname()]) {
      for (const path of ['/', '/events', '/demo/health']) {
        const res = await send(pg.url, { path, headers: { Host: host } });
        expect({ host, path, status: res.status }).toEqual({ host, path, status: 403 });
        expect(res.text).toContain(`is not this playground's address`);
      }
    }
    const res = await send(pg.url, {
      method: 'POST',
      path: '/ui/command',
      headers: {
        Host: `rebind.example:${port}`,
        'Content-Type': 'application/json',
        Origin: `http://rebind.example:${port}`,
      },
      body: JSON.stringify({ user: 'U0ONCALL', text: '/rollback production bad deploy' }),
    });
    expect(res.status).toBe(403);
    expect(res.text).toBe(
      `Refused: the Host rebind.example:${port} is not this playground's address; open ${pg.url} instead.\n`,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ranCommand(pg)).toEqual([]);
    expect(pg.standin.messages).toEqual([]);
  });

  it("listening on every address, it takes this machine's name", async () => {
    const pg = await playground('0.0.0.0');
    const port = portOf(pg.url);
    expect((await send(pg.url, { path: '/', headers: { Host: `${hostname()}:${port}` } })).status).toBe(200);
    expect((await send(pg.url, { path: '/', headers: { Host: `rebind.example:${port}` } })).status).toBe(403);
  });
});

describe('Origin: cross-site posts', () => {
  it("takes the page's own requests", async () => {
    const pg = await playground();
    const res = await fromPage(pg, '/ui/command', { user: 'U0ONCALL', text: '/rollback help' });
    expect(res.status).toBe(200);
    expect(ranCommand(pg)).toHaveLength(1);
  });

  it('refuses a post from another origin, from an opaque origin, or marked cross-site, and changes nothing', async () => {
    const pg = await playground();
    const refusals: Record<string, string>[] = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: `https://${new URL(pg.url).host}` },
      { Origin: 'http://localhost:1', 'Sec-Fetch-Site': 'same-site' },
      // An older browser: no Origin, no Sec-Fetch-*, a Referer from elsewhere.
      { Origin: '', 'Sec-Fetch-Site': '', Referer: 'http://evil.example/page' },
      // A browser that sends neither Origin nor a Referer (referrer policy no-referrer).
      { Origin: '', 'Sec-Fetch-Site': '', Referer: '' },
      { Origin: '', 'Sec-Fetch-Site': 'cross-site', Referer: '' },
    ];
    for (const headers of refusals) {
      const res = await fromPage(pg, '/ui/command', { user: 'U0IC', text: '/rollback production bad deploy' }, headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.text).toMatch(/^Refused: .*another site/);
    }
    // The stand-in's Web API and response URLs change the channel too.
    for (const path of ['/api/chat.postMessage', '/response/anything', '/ui/reset']) {
      const res = await send(pg.url, {
        method: 'POST',
        path,
        headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'channel=C0INCIDENT&text=hello',
      });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(ranCommand(pg)).toEqual([]);
    expect(pg.standin.messages).toEqual([]);
    expect(pg.standin.ephemerals).toEqual([]);
  });

  it('takes a same-origin Referer from a browser that sends no Origin, and a script that is no browser', async () => {
    const pg = await playground();
    expect(
      (await fromPage(pg, '/ui/command', { user: 'U0ONCALL', text: '/rollback help' }, { Origin: '' })).status,
    ).toBe(200);
    // A script on this machine (curl, the Docker e2e test) sends no Origin at all: no site is behind it.
    const script = await fetch(`${pg.url}/ui/command`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'U0ONCALL', text: '/rollback help' }),
    });
    expect(script.status).toBe(200);
    expect(ranCommand(pg)).toHaveLength(2);
  });
});

describe('an oversized chunked body', () => {
  const MiB = 1024 * 1024;

  it('is answered 413 once, and the playground keeps serving', async () => {
    const pg = await playground();
    for (const path of ['/ui/command', '/api/chat.postMessage', '/response/x']) {
      const res = await send(pg.url, {
        method: 'POST',
        path,
        headers: { 'Content-Type': 'application/json' },
        chunks: Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 'a')),
      }).catch((err: Error) => ({ status: -1, text: err.message }));
      expect({ path, status: res.status }).toEqual({ path, status: 413 });
      expect(res.text).toBe('Refused: the request body is over 1 MiB.\n');
    }
    const announced = await send(pg.url, {
      method: 'POST',
      path: '/ui/command',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(2 * MiB) },
      chunks: [Buffer.alloc(1000, 'a')],
    }).catch((err: Error) => ({ status: -1, text: err.message }));
    expect(announced.status).toBe(413);

    expect((await send(pg.url, { path: '/' })).status).toBe(200);
    expect((await fromPage(pg, '/ui/command', { user: 'U0ONCALL', text: '/rollback help' })).status).toBe(200);
    expect(ranCommand(pg)).toHaveLength(1);
  });
});
