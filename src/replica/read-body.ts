/**
 * A request body read whole, up to a limit, for the front's routes that take one (Slack's events, the API). It is
 * the only reader of the request: past the limit it stops collecting and says so, and the caller answers 413 once,
 * with `Connection: close` (Node then closes the connection after that answer). Nothing else reads the request, so
 * nothing else can try to answer it too.
 */
import type { IncomingMessage } from 'node:http';

export type Body =
  | { kind: 'read'; bytes: Buffer }
  /** Announced (Content-Length) or counted (a chunked body) past the limit. */
  | { kind: 'too-large' }
  /** The client went away before the end of its body: there is nobody left to answer. */
  | { kind: 'gone' };

/** Whether the request announces a body over `limit` bytes (refused before a byte of it is read). */
export function announcedOver(req: IncomingMessage, limit: number): boolean {
  return Number(req.headers['content-length'] ?? 0) > limit;
}

/** Never rejects: a client that breaks off is `gone`, not an error for anyone to handle. */
export function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  if (announcedOver(req, limit)) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      chunks.length = 0;
      // The rest flows on and is dropped, rather than paused: a client blocked writing into a full socket might not
      // read the 413 before the connection closes under it.
      req.off('data', onData);
      resolve({ kind: 'too-large' });
    };
    req.on('data', onData);
    req.once('end', () => resolve({ kind: 'read', bytes: Buffer.concat(chunks) }));
    // An aborted request emits 'error' ("aborted") then 'close', and no 'end'; after 'end' these change nothing.
    req.once('error', () => resolve({ kind: 'gone' }));
    req.once('close', () => resolve({ kind: 'gone' }));
  });
}
