/**
 * Slack's Socket Mode server, on 127.0.0.1, with the `ws` package: the app opens a connection at the URL that
 * apps.connections.open gives (the FakeSlack answers it), gets `hello`, then envelopes (slash commands, interactions,
 * events); it acknowledges each with its envelope_id, and a payload when the answer travels in the ack. Up to ten
 * connections per app, as Slack allows; each envelope goes to one of them, in turn.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './fake-slack';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface Ack {
  envelopeId: string;
  payload?: Record<string, unknown>;
  /** ms from sending the envelope to the ack. */
  ms: number;
  /** Which connection got it (0-based, in connection order). */
  connection: number;
}

interface Connection {
  socket: WebSocket;
  index: number;
}

export class FakeSocketMode {
  private server?: WebSocketServer;
  private readonly open: Connection[] = [];
  private next = 0;
  private opened = 0;
  private readonly waiting = new Map<string, (m: Record<string, unknown>) => void>();
  /** Every connection the app ever opened (a reconnect is a new one). */
  get connectionsOpened(): number {
    return this.opened;
  }
  get connections(): number {
    return this.open.length;
  }

  constructor(private readonly slack: FakeSlack) {}

  async start(): Promise<void> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => this.server?.once('listening', () => resolve()));
    const port = (this.server.address() as AddressInfo).port;
    this.slack.socketModeUrl = () => `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}`;
    this.server.on('connection', (socket) => {
      if (this.open.length >= 10) {
        socket.close(1008, 'too many connections');
        return;
      }
      const conn = { socket, index: this.opened++ };
      this.open.push(conn);
      socket.on('message', (data) => {
        const m = JSON.parse(String(data)) as Record<string, unknown>;
        const id = m.envelope_id;
        if (typeof id === 'string') this.waiting.get(id)?.(m);
      });
      socket.on('close', () => this.open.splice(this.open.indexOf(conn), 1));
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.open.length,
          debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0APP' },
        }),
      );
    });
  }

  /** Resolves once the app has this many connections open. */
  async waitForConnections(n: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.open.length < n) {
      if (Date.now() > deadline) throw new Error(`${this.open.length} Socket Mode connections, not ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Sends an envelope on the next connection in turn; resolves with the app's ack (rejects after `timeoutMs`).
   * `retryAttempt` > 0 is Slack delivering it again because the ack of an earlier attempt never arrived.
   */
  send(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    { timeoutMs = 3000, retryAttempt = 0 }: { timeoutMs?: number; retryAttempt?: number } = {},
  ): Promise<Ack> {
    if (this.open.length === 0) return Promise.reject(new Error('no Socket Mode connection open'));
    const conn = this.open[this.next++ % this.open.length];
    const envelopeId = randomUUID();
    const sent = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(new Error(`no ack for ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(envelopeId, (m) => {
        clearTimeout(timer);
        this.waiting.delete(envelopeId);
        resolve({
          envelopeId,
          payload: m.payload as Record<string, unknown> | undefined,
          ms: performance.now() - sent,
          connection: conn.index,
        });
      });
      conn.socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: retryAttempt,
          retry_reason: retryAttempt > 0 ? 'timeout' : '',
        }),
      );
    });
  }

  /** Asks every open connection to reconnect, as Slack does every few hours. */
  refresh(): void {
    for (const c of this.open) c.socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }));
  }

  /** Drops every connection without a word (a network cut, a Slack host going away): no close frame. */
  drop(): void {
    for (const c of [...this.open]) c.socket.terminate();
  }

  async stop(): Promise<void> {
    this.slack.socketModeUrl = null;
    for (const c of [...this.open]) c.socket.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
