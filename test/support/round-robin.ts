/**
 * A load balancer in front of several bot replicas, for tests: each request goes to the next replica in turn; one
 * that does not accept the connection (killed) is skipped, as a load balancer's health check would.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RoundRobin {
  private server?: Server;
  private next = 0;
  /** How many requests each backend answered, by its base URL. */
  readonly served = new Map<string, number>();

  constructor(private readonly backends: () => string[]) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const all = this.backends();
        const tryFrom = (attempt: number): void => {
          if (attempt >= all.length) {
            res.writeHead(502).end('no replica answered');
            return;
          }
          const target = new URL(req.url ?? '/', all[this.next++ % all.length]);
          const out = request(
            target,
            { method: req.method, headers: { ...req.headers, host: target.host }, timeout: 10_000 },
            (up) => {
              this.served.set(target.origin, (this.served.get(target.origin) ?? 0) + 1);
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            },
          );
          out.on('error', () => {
            if (res.headersSent) res.destroy();
            else tryFrom(attempt + 1);
          });
          out.end(body);
        };
        tryFrom(0);
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
