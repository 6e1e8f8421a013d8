/**
 * A local stand-in for the Slack Web API: answers the methods the bot uses, records every call, and accepts
 * posts to response_url. The bot's WebClient reaches it through SLACK_API_URL.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageProblems, type Problem, viewProblems } from './block-kit';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  /** When a posted message shows in conversations.history (default: at once). */
  visibleAt?: number;
}

export interface RecordedResponse {
  id: string;
  body: Record<string, unknown>;
}

type Answer = Record<string, unknown> | { status: number; body: unknown; headers?: Record<string, string> };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function parseArgs(body: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    // The WebClient JSON-encodes structured arguments (blocks, attachments) inside the form.
    args[k] =
      ((k === 'blocks' || k === 'attachments') && v.startsWith('[')) || (k === 'metadata' && v.startsWith('{'))
        ? JSON.parse(v)
        : v;
  }
  return args;
}

/**
 * Slack's documented limits, enforced as Slack does: chat.postMessage about 1 per second per channel with short
 * bursts; chat.update Tier 3 (50+ per minute). Over the limit: HTTP 429 with Retry-After.
 */
export interface EnforcedLimits {
  postsPerSecond: number;
  postBurst: number;
  updatesPerMinute: number;
  updateBurst: number;
}

/** Slack's limits as this fake models them (a burst of 5 posts per channel; 50 updates a minute, bursts of 15). */
export const SLACK_LIMITS: EnforcedLimits = { postsPerSecond: 1, postBurst: 5, updatesPerMinute: 50, updateBurst: 15 };

class Allowance {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly perMs: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  /** Whether a call may go now (and it is counted). */
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
const VIEW_METHODS = new Set(['views.open', 'views.update', 'views.push', 'views.publish']);

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** Calls answered 429 because they went over the enforced limits. */
  readonly rateLimited: RecordedCall[] = [];
  private readonly postAllowance = new Map<string, Allowance>();
  private updateAllowance: Allowance | undefined;

  constructor(private readonly limits?: EnforcedLimits) {
    if (limits) this.updateAllowance = new Allowance(limits.updatesPerMinute / 60_000, limits.updateBurst);
  }

  /** Over the enforced limits? Then the call gets Slack's 429. */
  private overLimit(method: string, args: Record<string, unknown>): boolean {
    if (!this.limits) return false;
    if (method === 'chat.update') return !(this.updateAllowance as Allowance).take();
    if (method !== 'chat.postMessage') return false;
    const channel = String(args.channel);
    let a = this.postAllowance.get(channel);
    if (!a) {
      a = new Allowance(this.limits.postsPerSecond / 1000, this.limits.postBurst);
      this.postAllowance.set(channel, a);
    }
    return !a.take();
  }

  readonly responses: RecordedResponse[] = [];
  /** Messages and views refused for breaking Block Kit's limits (invalid_blocks, msg_too_long, view_too_large). */
  readonly refused: Array<RecordedCall & { problems: Problem[] }> = [];
  /** Answers apps.connections.open (set by a FakeSocketMode). */
  socketModeUrl: (() => string) | null = null;
  /** usergroup id → member user ids, for usergroups.users.list */
  readonly usergroups = new Map<string, string[]>();
  private readonly overrides = new Map<string, Answer[]>();
  private readonly conditional: Array<{
    method: string;
    match: (args: Record<string, unknown>) => boolean;
    answer: Answer;
    times: number;
  }> = [];
  private readonly delays: Array<{
    method: string;
    match: (args: Record<string, unknown>) => boolean;
    ms: number;
    times: number;
    storedAfterMs: number;
  }> = [];
  private server?: Server;
  /** Fires on every recorded call or response, so waiting costs no polling delay. */
  private readonly changed = new EventEmitter().setMaxListeners(0);
  private tsCounter = 0;
  private responseCounter = 0;

  get url(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A fresh response_url, as Slack puts in each command and interaction payload. */
  newResponseUrl(): string {
    return `${this.url}/response/${++this.responseCounter}`;
  }

  /** The next call of `method` gets this answer instead of the default (queued, one per call). */
  answerNext(method: string, answer: Answer): void {
    this.overrides.set(method, [...(this.overrides.get(method) ?? []), answer]);
  }

  /** The next `times` calls of `method` whose arguments match get this answer. */
  answerWhen(method: string, match: (args: Record<string, unknown>) => boolean, answer: Answer, times = 1): void {
    this.conditional.push({ method, match, answer, times });
  }

  /**
   * The next `times` calls of `method` whose arguments match are answered after `ms` (Infinity: never — Slack did
   * the work, but the answer was lost). The call takes effect (is recorded) at once, as at Slack; a message posted
   * so shows in conversations.history only after `storedAfterMs` (Slack still writing it when the client gave up).
   */
  delayWhen(
    method: string,
    match: (args: Record<string, unknown>) => boolean,
    ms: number,
    times = 1,
    opts: { storedAfterMs?: number } = {},
  ): void {
    this.delays.push({ method, match, ms, times, storedAfterMs: opts.storedAfterMs ?? 0 });
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages posted with chat.postMessage in the channel (not in a thread). */
  channelMessages(channel: string): RecordedCall[] {
    return this.callsOf('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts);
  }

  threadMessages(threadTs: string): string[] {
    return this.callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === threadTs)
      .map((c) => String(c.args.text));
  }

  /** The card as it was last rendered (the last chat.update of it, else its first post). */
  lastCard(ts: string): RecordedCall | undefined {
    const updates = this.callsOf('chat.update').filter((c) => c.args.ts === ts);
    return updates.at(-1) ?? this.callsOf('chat.postMessage').find((c) => c.args.ts === ts);
  }

  /** Resolves with the probe's first truthy value; re-checked on every Slack call and at least every 50 ms. */
  async waitFor<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.changed.off('change', done);
          resolve();
        };
        const timer = setTimeout(done, 50);
        this.changed.once('change', done);
      });
    }
  }

  /** Starts listening on 127.0.0.1: on `port` (a Slack that comes back where the bot was told it is), or any free one. */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const url = req.url ?? '/';
        if (url.startsWith('/response/')) {
          const message = body ? (JSON.parse(body) as Record<string, unknown>) : {};
          // A response_url answer is a message too: Slack refuses the same blocks (HTTP 400 with the error).
          const problems = message.delete_original ? [] : messageProblems(message);
          if (problems.length > 0) {
            this.refused.push({ method: 'response_url', args: message, at: Date.now(), problems });
            res.writeHead(400, { 'Content-Type': 'text/plain' }).end(problems[0].error);
            this.changed.emit('change');
            return;
          }
          this.responses.push({
            id: url.slice('/response/'.length),
            body: body ? (JSON.parse(body) as Record<string, unknown>) : {},
          });
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
          this.changed.emit('change');
          return;
        }
        const method = url.replace(/^\/api\//, '').split('?')[0];
        const args = parseArgs(body, req.headers['content-type']);
        if (this.overLimit(method, args)) {
          this.rateLimited.push({ method, args, at: Date.now() });
          res
            .writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' })
            .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
          this.changed.emit('change');
          return;
        }
        // What the real API does with a ts for a posted message: remember it on the call for lookups.
        const answer = this.answer(method, args);
        const call: RecordedCall = { method, args, at: Date.now() };
        this.calls.push(call);
        if ('status' in answer && typeof answer.status === 'number') {
          res.writeHead(answer.status, {
            'Content-Type': 'application/json',
            ...(answer.headers as Record<string, string> | undefined),
          });
          res.end(JSON.stringify(answer.body));
          this.changed.emit('change');
          return;
        }
        if (method === 'chat.postMessage' && (answer as { ok?: boolean }).ok) args.ts = (answer as { ts: string }).ts;
        const delay = this.delays.find((d) => d.method === method && d.times > 0 && d.match(args));
        if (delay) {
          delay.times--;
          call.visibleAt = call.at + delay.storedAfterMs;
          this.changed.emit('change');
          if (delay.ms === Number.POSITIVE_INFINITY) return;
          await new Promise((r) => setTimeout(r, delay.ms));
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
        this.changed.emit('change');
      })();
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(method: string, args: Record<string, unknown>): Answer {
    const rule = this.conditional.find((c) => c.method === method && c.times > 0 && c.match(args));
    if (rule) {
      rule.times--;
      return rule.answer;
    }
    const queued = this.overrides.get(method);
    if (queued && queued.length > 0) return queued.shift() as Answer;
    // Block Kit's limits and the message size, refused as Slack refuses them.
    const problems = MESSAGE_METHODS.has(method)
      ? messageProblems(args)
      : VIEW_METHODS.has(method)
        ? viewProblems(args.view)
        : [];
    if (problems.length > 0) {
      this.refused.push({ method, args, at: Date.now(), problems });
      return {
        ok: false,
        error: problems[0].error,
        response_metadata: { messages: problems.map((p) => `[ERROR] ${p.detail}`) },
      };
    }
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEAM', user: 'rollback-bot', team: 'test' };
      case 'chat.postMessage': {
        const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.tsCounter).padStart(6, '0')}`;
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'apps.connections.open':
        // Socket Mode: where the app's WebSocket connects (a FakeSocketMode on 127.0.0.1), one URL per connection.
        return this.socketModeUrl
          ? { ok: true, url: this.socketModeUrl() }
          : { ok: false, error: 'socket_mode_not_enabled' };
      case 'conversations.history': {
        // Top-level messages of the channel, newest first; metadata only when asked for, as Slack does.
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const messages = this.channelMessages(String(args.channel))
          .filter((c) => c.args.ts && (c.visibleAt ?? 0) <= Date.now())
          .map((c) => ({
            type: 'message',
            ts: c.args.ts,
            text: c.args.text,
            ...(withMetadata && c.args.metadata ? { metadata: c.args.metadata } : {}),
          }))
          .reverse()
          .slice(0, Number(args.limit ?? 100));
        return { ok: true, messages, has_more: false };
      }
      case 'views.publish': {
        // The Home tab of one user; Slack answers with the view as stored.
        if (typeof args.user_id !== 'string' || !args.user_id) return { ok: false, error: 'invalid_arguments' };
        const view = typeof args.view === 'string' ? (JSON.parse(args.view) as Record<string, unknown>) : args.view;
        return { ok: true, view: { id: `V${++this.tsCounter}`, ...(view as Record<string, unknown>) } };
      }
      case 'usergroups.users.list':
        return { ok: true, users: this.usergroups.get(String(args.usergroup)) ?? [] };
      default:
        return { ok: true };
    }
  }
}
