/**
 * A real Alertmanager (Debian's prometheus-alertmanager, installed by scripts/setup-alerting.sh) on a free port of
 * 127.0.0.1, with a temp dir for its config and storage and no cluster: its webhook receiver points at the bot with
 * a bearer token (`http_config.authorization`), as the README tells users to set it up. Alerts are pushed with its own
 * API (POST /api/v2/alerts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './docker-env';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface PushedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface Alertmanager {
  url: string;
  /** POST /api/v2/alerts. */
  push(...alerts: PushedAlert[]): Promise<void>;
  /** What it holds now (GET /api/v2/alerts), fingerprints and all. */
  alerts(): Promise<Array<{ fingerprint: string; labels: Record<string, string>; status: { state: string } }>>;
  /** A counter of its own /metrics (summed over its labels that match `labels`). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  output(): string;
  stop(): Promise<void>;
}

export async function startAlertmanager(opts: {
  /** The bot's webhook, e.g. http://127.0.0.1:PORT/api/v1/alerts. */
  webhookUrl: string;
  token: string;
  /** Alerts that match (`label="value"`) go to another receiver: another address, or another token. */
  routes?: Array<{ matcher: string; url?: string; token?: string }>;
  groupWaitMs?: number;
}): Promise<Alertmanager> {
  if (!existsSync(ALERTMANAGER_BIN))
    throw new Error(`${ALERTMANAGER_BIN} is missing: run \`sudo bash scripts/setup-alerting.sh\``);
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  const port = await freePort();
  const receiver = (name: string, token: string, url = opts.webhookUrl) => ({
    name,
    webhook_configs: [
      {
        url,
        send_resolved: true,
        max_alerts: 0,
        http_config: { authorization: { type: 'Bearer', credentials: token } },
      },
    ],
  });
  const config = {
    route: {
      receiver: 'rollback-bot',
      group_by: ['alertname', 'environment'],
      group_wait: `${opts.groupWaitMs ?? 1000}ms`,
      group_interval: '1s',
      repeat_interval: '1h',
      routes: (opts.routes ?? []).map((r, i) => ({ receiver: `route-${i}`, matchers: [r.matcher] })),
    },
    receivers: [
      receiver('rollback-bot', opts.token),
      ...(opts.routes ?? []).map((r, i) => receiver(`route-${i}`, r.token ?? opts.token, r.url)),
    ],
  };
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(config));
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited: ${out}`);
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(500) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`alertmanager did not get ready within 15 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    async push(...alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(alerts),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as Awaited<ReturnType<Alertmanager['alerts']>>;
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
        if (!m) continue;
        if (Object.entries(labels).every(([k, v]) => (m[1] ?? '').includes(`${k}="${v}"`))) sum += Number(m[2]);
      }
      return sum;
    },
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
