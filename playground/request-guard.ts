/**
 * What the playground's page server lets in. The page drives the bot, and with the Docker target a click on it ends in
 * a real `docker service update`: only a browser showing the playground's own page may drive it. Two ways around that
 * are closed here:
 *   - DNS rebinding: a site whose name is made to resolve to 127.0.0.1 is same-origin with itself, so its scripts
 *     could read and post as they please; its requests carry its own name in Host, so a Host that is not one of this
 *     playground's addresses is refused;
 *   - a cross-site post (a form on any page the user visits): browsers say where it comes from (Origin,
 *     Sec-Fetch-Site, Referer), so a state-changing request from another origin is refused.
 * A client that is no browser (the bot's own Web API client, curl, a test) sends none of these: no site is behind
 * it, and it is let in.
 */
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

export const MAX_BODY_BYTES = 1024 * 1024;

/** A request the playground turns away: the status to answer and a sentence saying why. */
export class RefusedRequest extends Error {
  readonly code = 'PLAYGROUND_REQUEST_REFUSED';
  constructor(
    readonly status: 400 | 403 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedRequest';
  }
}

const EVERY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

export const listensEverywhere = (host: string): boolean => EVERY_ADDRESS.has(host);

/** A host as it is written in a URL and in a Host header: IPv6 in brackets, lower case. */
export function urlHost(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * The names a browser may use for the playground listening on `listenHost`: loopback's, the configured host, and when
 * it listens on every address, this machine's name and addresses (nothing else is this machine).
 */
export function hostNames(listenHost: string): string[] {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (!listensEverywhere(listenHost)) names.add(urlHost(listenHost));
  else {
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces()))
      for (const a of addresses ?? []) if (!a.address.includes('%')) names.add(urlHost(a.address));
  }
  return [...names];
}

/** `http://host[:port]` of a Host header, normalized as a browser writes an origin; null when it is not one. */
function originOfHost(host: string): URL | null {
  // Only a host and a port: no path, user or query that URL parsing would quietly move the host past.
  if (!/^[a-z0-9.\-[\]:]+$/i.test(host)) return null;
  try {
    return new URL(`http://${host}`);
  } catch {
    return null;
  }
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Refuses a request whose Host is not one of the playground's own addresses on its port. */
export function checkHost(req: IncomingMessage, port: number, names: readonly string[], pageUrl: string): void {
  const host = one(req.headers.host) ?? '';
  const own = originOfHost(host);
  const ownPort = own ? Number(own.port || 80) : -1;
  if (!own || ownPort !== port || !names.includes(own.hostname))
    throw new RefusedRequest(
      403,
      `Refused: the Host ${host || '(none)'} is not this playground's address; open ${pageUrl} instead.`,
    );
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing request that a browser sent from another origin: its Origin (when sent) must be the
 * playground's, and so must its Sec-Fetch-Site and Referer; a browser that sends none of them may be posting for any
 * site, and is refused too. Call after checkHost: the request's Host is then the playground's own.
 */
export function checkOrigin(req: IncomingMessage, pageUrl: string): void {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return;
  const own = originOfHost(one(req.headers.host) ?? '')?.origin;
  const sameOrigin = (url: string): boolean => {
    try {
      const u = new URL(url);
      return u.protocol === 'http:' && u.origin === own;
    } catch {
      return false;
    }
  };
  const refuse = (why: string) =>
    new RefusedRequest(
      403,
      `Refused: ${why}; it may come from another site. Only the playground's page (${pageUrl}) may do this.`,
    );
  const origin = one(req.headers.origin);
  const site = one(req.headers['sec-fetch-site']);
  const referer = one(req.headers.referer);
  if (origin !== undefined && !sameOrigin(origin)) throw refuse(`the request's Origin is ${origin}`);
  if (site !== undefined && site !== 'same-origin') throw refuse(`the browser marks this request ${site}`);
  if (origin !== undefined || site !== undefined) return;
  if (referer !== undefined) {
    if (!sameOrigin(referer)) throw refuse(`the request's Referer is ${referer}`);
    return;
  }
  // Every browser sends Origin or a Referer with a post from a page; one that sends neither hides where it comes from.
  if (/\bMozilla\//.test(one(req.headers['user-agent']) ?? ''))
    throw refuse('a browser sent this post without Origin, Sec-Fetch-Site or Referer');
}

/**
 * The body, at most MAX_BODY_BYTES. Past that it stops collecting and refuses with 413; the caller answers once, and
 * the connection is closed after the answer (the rest of the body is never read).
 */
export function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = () =>
    new RefusedRequest(413, `Refused: the request body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB.`);
  if (Number(one(req.headers['content-length']) ?? 0) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(c);
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
      chunks.length = 0;
      reject(tooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}
