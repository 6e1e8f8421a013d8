/**
 * A unix-socket proxy in front of the real Docker engine, so a test can make the engine unreachable (the socket
 * goes away) or slow (connections are accepted and never answered) without stopping dockerd for the whole suite.
 */
import { unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ProxyMode = 'pass' | 'hang';

export class DockerProxy {
  readonly socketPath = join(tmpdir(), `docker-proxy-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
  mode: ProxyMode = 'pass';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target = '/var/run/docker.sock') {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.mode === 'hang') return; // accepted, never answered
      const upstream = createConnection(this.target);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.socketPath, resolve));
  }

  /** The engine is gone: the socket is closed and removed; connections in flight are cut. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    try {
      unlinkSync(this.socketPath);
    } catch {
      // already gone
    }
  }
}
