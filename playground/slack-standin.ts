/**
 * A local stand-in for Slack, for the playground: the part of the Web API the bot calls (its WebClient points here
 * with SLACK_API_URL), response URLs, and a web page that looks like an incident channel. Commands typed and buttons
 * clicked on the page go to the bot exactly as Slack sends them: form-encoded, `payload=` JSON for interactions,
 * signed with the signing secret. The page follows changes over server-sent events.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  checkHost,
  checkOrigin,
  hostNames,
  listensEverywhere,
  readBody,
  RefusedRequest,
  urlHost,
} from './request-guard';
import {
  buttonClickBody,
  homeButtonBody,
  homeOpenedBody,
  postSigned,
  slashCommandBody,
  viewSubmissionBody,
} from './slack-wire';

export interface PlaygroundUser {
  id: string;
  name: string;
  role: string;
}

export interface ChannelMessage {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[] | null;
  threadTs: string | null;
  edited: number;
  /** Slack message metadata (the bot marks its announcements with it). */
  metadata?: unknown;
  /** A thread reply also sent to the channel (reply_broadcast). */
  broadcast?: boolean;
}

export interface Ephemeral {
  id: string;
  /** Who sees it. */
  user: string;
  text: string;
  blocks: unknown[] | null;
  at: number;
}

/** A modal the bot opened (views.open) for one user, with the errors of its last submission. */
export interface OpenView {
  id: string;
  user: string;
  view: Record<string, unknown>;
  errors: Record<string, string>;
}

/** The app's Home tab of one user, as the bot last published it (views.publish). */
export interface HomeTab {
  id: string;
  user: string;
  view: Record<string, unknown>;
  /** How many times the bot drew it. */
  published: number;
}

export interface Scheduled {
  id: string;
  channel: string;
  text: string;
  postAt: number;
}

export interface StandinOptions {
  port: number;
  /** The address to listen on (default 127.0.0.1: only this machine can open the page). */
  host?: string;
  channel: { id: string; name: string };
  users: PlaygroundUser[];
  signingSecret: string;
  /** Shown at the top of the page: which demo environment is in use. */
  target: { kind: 'docker' | 'simulated'; description: string };
  /** Extra routes (the simulated target's /health); return true when handled. */
  extraRoutes?: (pathname: string, req: IncomingMessage, res: ServerResponse) => boolean;
  /** Puts the demo environment back into its bad state. */
  resetDemo?: () => Promise<void>;
  /** Changes production by hand, past the bot; says what it did. */
  changeByHand?: () => Promise<string>;
  /** The demo's CI reporting a deploy of the bad version: the bot's API answer. */
  tryDeploy?: () => Promise<{ status: number; body: Record<string, unknown> }>;
}

const BOT_USER = 'UBOT';

function jsonBody(text: string): Record<string, string> {
  try {
    const body: unknown = JSON.parse(text || '{}');
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, string>;
  } catch {
    // answered below
  }
  throw new RefusedRequest(400, 'Refused: the body is not a JSON object.');
}

/** Web API arguments: form-encoded (objects JSON-encoded as strings, as @slack/web-api sends them) or JSON. */
function parseArgs(body: string, contentType: string | undefined): Record<string, unknown> {
  if (!body) return {};
  if (contentType?.includes('application/json')) return jsonBody(body);
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if (
      (k === 'blocks' || k === 'view' || k === 'attachments' || k === 'metadata') &&
      v.startsWith('[') !== v.startsWith('{')
    ) {
      try {
        args[k] = JSON.parse(v);
        continue;
      } catch {
        // left as text
      }
    }
    args[k] = v;
  }
  return args;
}

function pageFile(): string {
  // Next to this file when run from source (tests), or from the compiled copy in .playground-build/playground.
  const candidates = [
    path.join(__dirname, 'web', 'index.html'),
    path.resolve(__dirname, '..', '..', 'playground', 'web', 'index.html'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`playground/web/index.html not found (looked in ${candidates.join(', ')})`);
  return found;
}

export class SlackStandin {
  readonly messages: ChannelMessage[] = [];
  readonly ephemerals: Ephemeral[] = [];
  readonly scheduled: Scheduled[] = [];
  /** Modals open now, at most one per user (as in Slack). */
  readonly views: OpenView[] = [];
  /** Home tabs the bot published, one per user. */
  readonly homes: HomeTab[] = [];
  /** trigger_id → who acted: views.open is only allowed with the trigger of a recent command or click. */
  private readonly triggers = new Map<string, string>();
  /** Where the bot listens: set once it has started. */
  botUrl = '';
  private server: Server | undefined;
  private readonly clients = new Set<ServerResponse>();
  private readonly responseUsers = new Map<string, string>();
  private counter = 0;
  private readonly page: string;

  constructor(private readonly opts: StandinOptions) {
    this.page = readFileSync(pageFile(), 'utf8');
  }

  /** Where it listens. */
  get host(): string {
    return this.opts.host ?? '127.0.0.1';
  }

  /** The page's address; also where the bot reaches the stand-in (loopback, when it listens on every address). */
  get url(): string {
    const host = listensEverywhere(this.host) ? '127.0.0.1' : urlHost(this.host);
    return `http://${host}:${(this.server?.address() as AddressInfo).port}`;
  }

  /** The names the page may be asked for under (any other Host is refused). */
  get hostNames(): string[] {
    return hostNames(this.host);
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.guarded(req, res).catch((err: unknown) => {
        if (res.headersSent) return;
        if (err instanceof RefusedRequest)
          // Closed after the answer: a refused body is never read (413), a refused client gets nothing more.
          res
            .writeHead(err.status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
            .end(`${err.message}\n`);
        else
          res
            .writeHead(500, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ ok: false, error: String((err as Error).message) }));
      });
    });
    // A slow body is not waited for long (the event stream is a response, and is not bounded by this).
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    this.server = server;
    this.names = this.hostNames;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.host, resolve);
    });
  }

  private names: string[] = [];

  private async guarded(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkHost(req, (this.server?.address() as AddressInfo).port, this.names, this.url);
    checkOrigin(req, this.url);
    await this.route(req, res);
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Everything the page shows, as one snapshot (small: one incident channel). */
  snapshot() {
    return {
      channel: this.opts.channel,
      users: this.opts.users,
      bot: { id: BOT_USER, name: 'Rollback Bot' },
      target: this.opts.target,
      messages: this.messages,
      ephemerals: this.ephemerals,
      scheduled: this.scheduled,
      views: this.views,
      homes: this.homes,
    };
  }

  private changed(): void {
    const data = `data: ${JSON.stringify(this.snapshot())}\n\n`;
    for (const c of this.clients) c.write(data);
  }

  private newTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.counter).padStart(6, '0')}`;
  }

  private ephemeral(user: string, text: string, blocks: unknown[] | null = null): void {
    this.ephemerals.push({ id: randomUUID(), user, text, blocks, at: Date.now() });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/api/')) {
      const args = parseArgs(await readBody(req), req.headers['content-type']);
      json(200, this.webApi(url.pathname.slice('/api/'.length), args));
      this.changed();
      return;
    }
    if (url.pathname.startsWith('/response/')) {
      this.respond(url.pathname.slice('/response/'.length), parseArgs(await readBody(req), 'application/json'));
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      this.changed();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(this.page);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(`data: ${JSON.stringify(this.snapshot())}\n\n`);
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return;
    }
    if (req.method === 'POST' && url.pathname.startsWith('/ui/')) {
      const body = jsonBody(await readBody(req));
      const user = this.opts.users.find((u) => u.id === body.user);
      if (!user) return json(400, { error: 'unknown user' });
      if (url.pathname === '/ui/command') return json(200, await this.command(user.id, String(body.text ?? '')));
      if (url.pathname === '/ui/click') return json(200, await this.click(user.id, body));
      if (url.pathname === '/ui/home-opened') return json(200, await this.homeOpened(user.id));
      if (url.pathname === '/ui/home-click') return json(200, await this.homeClick(user.id, body));
      if (url.pathname === '/ui/submit') return json(200, await this.submit(user.id, body));
      if (url.pathname === '/ui/close-view') {
        this.closeView(user.id);
        this.changed();
        return json(200, { ok: true });
      }
      if (url.pathname === '/ui/try-deploy' && this.opts.tryDeploy) {
        const a = await this.opts.tryDeploy();
        const said =
          a.status === 423
            ? `:no_entry: The deploy gate refused the demo CI's deploy of v2: *HTTP 423 Locked* — ${String(a.body.message ?? '')}`
            : a.status === 201
              ? ':white_check_mark: The deploy gate let the demo CI deploy v2 (HTTP 201): nothing has locked production.'
              : `The bot's API answered HTTP ${a.status}: ${JSON.stringify(a.body)}`;
        this.ephemeral(user.id, said);
        this.changed();
        return json(200, { ok: true, status: a.status });
      }
      if (url.pathname === '/ui/change-by-hand' && this.opts.changeByHand) {
        const what = await this.opts.changeByHand();
        this.ephemeral(user.id, `You changed production by hand: ${what}. The bot sees it in Docker's events.`);
        this.changed();
        return json(200, { ok: true });
      }
      if (url.pathname === '/ui/reset') {
        await this.opts.resetDemo?.();
        this.ephemeral(user.id, 'The demo environment is back on the bad version v2.');
        this.changed();
        return json(200, { ok: true });
      }
    }
    if (this.opts.extraRoutes?.(url.pathname, req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }

  /** The Web API methods the bot calls, answered as Slack documents them. */
  private webApi(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : null;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          user_id: BOT_USER,
          bot_id: 'B0BOT',
          team_id: 'T0TEAM',
          team: 'playground',
          user: 'rollback-bot',
          url: this.url,
        };
      case 'chat.postMessage': {
        if (args.channel !== this.opts.channel.id) return { ok: false, error: 'channel_not_found' };
        const ts = this.newTs();
        this.messages.push({
          ts,
          channel: String(args.channel),
          user: BOT_USER,
          text: String(args.text ?? ''),
          blocks,
          threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : null,
          edited: 0,
          metadata: args.metadata,
          // "Also send to the channel": a thread reply shown in the channel too.
          broadcast: args.reply_broadcast === true || args.reply_broadcast === 'true',
        });
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case 'conversations.history': {
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const oldest = Number(args.oldest ?? 0);
        const messages = this.messages
          .filter((m) => m.channel === args.channel && m.threadTs === null && Number(m.ts) >= oldest)
          .reverse()
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            text: m.text,
            ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return { ok: true, messages, has_more: false };
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.ts === args.ts && x.channel === args.channel);
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = String(args.text ?? m.text);
        m.blocks = blocks ?? m.blocks;
        m.edited++;
        return { ok: true, channel: args.channel, ts: args.ts };
      }
      case 'chat.postEphemeral':
        this.ephemeral(String(args.user), String(args.text ?? ''), blocks);
        return { ok: true, message_ts: this.newTs() };
      case 'chat.scheduleMessage': {
        const id = `Q${++this.counter}`;
        this.scheduled.push({
          id,
          channel: String(args.channel),
          text: String(args.text ?? ''),
          postAt: Number(args.post_at) * 1000,
        });
        return { ok: true, channel: args.channel, scheduled_message_id: id, post_at: args.post_at };
      }
      case 'usergroups.users.list':
        return { ok: true, users: [] };
      case 'views.open': {
        const user = this.triggers.get(String(args.trigger_id));
        if (!user) return { ok: false, error: 'invalid_trigger_id' };
        this.triggers.delete(String(args.trigger_id));
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as Record<string, unknown>;
        const id = `V${++this.counter}`;
        this.closeView(user);
        this.views.push({ id, user, view, errors: {} });
        return { ok: true, view: { id, ...view } };
      }
      case 'views.publish': {
        const user = String(args.user_id ?? '');
        if (!this.opts.users.some((u) => u.id === user)) return { ok: false, error: 'user_not_found' };
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as Record<string, unknown>;
        if (view?.type !== 'home') return { ok: false, error: 'invalid_arguments' };
        let tab = this.homes.find((h) => h.user === user);
        if (!tab) {
          tab = { id: `V${++this.counter}`, user, view, published: 0 };
          this.homes.push(tab);
        }
        tab.view = view;
        tab.published++;
        return { ok: true, view: { id: tab.id, ...view } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private respond(id: string, body: Record<string, unknown>): void {
    const user = this.responseUsers.get(id);
    if (!user) return;
    const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : null;
    if (body.response_type === 'in_channel') {
      this.messages.push({
        ts: this.newTs(),
        channel: this.opts.channel.id,
        user: BOT_USER,
        text: String(body.text ?? ''),
        blocks,
        threadTs: null,
        edited: 0,
      });
    } else {
      this.ephemeral(user, String(body.text ?? ''), blocks);
    }
  }

  private newResponseUrl(user: string): string {
    const id = randomUUID();
    this.responseUsers.set(id, user);
    return `${this.url}/response/${id}`;
  }

  /** A slash command from the page, sent to the bot as Slack sends it. */
  private async command(user: string, typed: string): Promise<Record<string, unknown>> {
    const m = /^\s*\/rollback(?:\s+([\s\S]*))?$/.exec(typed);
    if (!m) {
      this.ephemeral(user, `Only \`/rollback\` is installed in this playground. Try \`/rollback help\`.`);
      this.changed();
      return { ok: false };
    }
    this.ephemeral(user, `You ran \`${typed.trim()}\``);
    this.changed();
    const body = slashCommandBody({
      text: (m[1] ?? '').trim(),
      userId: user,
      channelId: this.opts.channel.id,
      responseUrl: this.newResponseUrl(user),
    });
    return this.send(user, body);
  }

  private async click(user: string, b: Record<string, string>): Promise<Record<string, unknown>> {
    const body = buttonClickBody({
      actionId: b.actionId,
      value: b.value,
      userId: user,
      channelId: this.opts.channel.id,
      messageTs: b.ts,
      responseUrl: this.newResponseUrl(user),
    });
    return this.send(user, body);
  }

  /** The user opened the app's Home tab: Slack tells the bot with app_home_opened (JSON, signed). */
  private async homeOpened(user: string): Promise<Record<string, unknown>> {
    if (!this.botUrl) return { ok: false, error: 'the bot has not started' };
    const tab = this.homes.find((h) => h.user === user);
    const res = await postSigned(this.botUrl, homeOpenedBody({ userId: user, viewId: tab?.id ?? null }), {
      secret: this.opts.signingSecret,
      headers: { 'Content-Type': 'application/json' },
    });
    return { ok: res.status === 200, status: res.status };
  }

  /** A button on the user's Home tab. */
  private async homeClick(user: string, b: Record<string, string>): Promise<Record<string, unknown>> {
    const tab = this.homes.find((h) => h.user === user);
    if (!tab) return { ok: false, error: 'no Home tab' };
    return this.send(user, homeButtonBody({ actionId: b.actionId, value: b.value, userId: user, viewId: tab.id }));
  }

  private closeView(user: string): void {
    const open = this.views.findIndex((v) => v.user === user);
    if (open >= 0) this.views.splice(open, 1);
  }

  /**
   * The form submitted from the page, sent as Slack's view_submission. The bot's answer travels in the ack: errors
   * (shown under their fields) keep the modal open; anything else closes it.
   */
  private async submit(user: string, b: Record<string, unknown>): Promise<Record<string, unknown>> {
    const open = this.views.find((v) => v.user === user && v.id === b.viewId);
    if (!open) return { ok: false, error: 'no such view' };
    if (!this.botUrl) return { ok: false, error: 'the bot has not started' };
    const body = viewSubmissionBody({
      userId: user,
      callbackId: String(open.view.callback_id ?? ''),
      privateMetadata: String(open.view.private_metadata ?? ''),
      values: (b.values ?? {}) as Record<string, Record<string, unknown>>,
    });
    const res = await postSigned(this.botUrl, body, { secret: this.opts.signingSecret });
    let answer: { response_action?: string; errors?: Record<string, string> } = {};
    try {
      answer = res.text ? (JSON.parse(res.text) as typeof answer) : {};
    } catch {
      // an empty ack closes the modal
    }
    if (answer.response_action === 'errors' && answer.errors) open.errors = answer.errors;
    else this.closeView(user);
    this.changed();
    return { ok: res.status === 200, status: res.status };
  }

  private async send(user: string, body: string): Promise<Record<string, unknown>> {
    if (!this.botUrl) return { ok: false, error: 'the bot has not started' };
    const params = new URLSearchParams(body);
    const payload = params.get('payload');
    const trigger =
      params.get('trigger_id') ?? (payload ? (JSON.parse(payload) as { trigger_id?: unknown }).trigger_id : undefined);
    if (typeof trigger === 'string') this.triggers.set(trigger, user);
    const res = await postSigned(this.botUrl, body, { secret: this.opts.signingSecret });
    // An ack with a message body is shown to the user, as Slack does.
    if (res.text) {
      try {
        const reply = JSON.parse(res.text) as { text?: string; blocks?: unknown[] };
        if (reply.text || reply.blocks) this.ephemeral(user, reply.text ?? '', reply.blocks ?? null);
      } catch {
        this.ephemeral(user, res.text);
      }
      this.changed();
    }
    return { ok: res.status === 200, status: res.status, ackMs: Math.round(res.ms) };
  }
}
