/**
 * A real HTTP server on 127.0.0.1 around one request handler, for the specs of the front's endpoints: each is tested
 * on the wire, without the rest of the front. And a raw client for the bodies fetch cannot send (chunked, announced
 * larger than sent, abandoned half way).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serveHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RawSend {
  path?: string;
  headers?: Record<string, string>;
  /** Written one at a time, each after the last drained; with no Content-Length header the body goes chunked. */
  chunks: Buffer[];
  /** Abandon the request after writing the chunks (the client goes away mid-body) instead of ending it. */
  abort?: boolean;
}

/**
 * POST written chunk by chunk on a fresh connection. Stops writing once the server has answered (an early answer is
 * what a well-behaved client acts on); resolves with the answer, or rejects when the connection ended without one.
 */
export function sendRaw(base: string, s: RawSend): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      new URL(s.path ?? '/', base),
      { method: 'POST', headers: s.headers ?? {}, timeout: 10_000, agent: false },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${base} within 10 s`)));
    // The server closes after an early answer, so writing may fail once it is in: the answer is what counts.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const chunks = [...s.chunks];
    const next = (): void => {
      if (answered || req.destroyed) return;
      const c = chunks.shift();
      if (!c) {
        if (!s.abort) return void req.end();
        req.destroy();
        return reject(new Error('abandoned'));
      }
      if (req.write(c)) setImmediate(next);
      else req.once('drain', next);
    };
    next();
  });
}
