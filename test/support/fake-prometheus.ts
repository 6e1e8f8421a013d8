/**
 * A Prometheus stand-in on 127.0.0.1 answering `GET /api/v1/query` in Prometheus' documented shape, with fixed
 * values per query, so the decision criteria can be tripped (or not) by the config a test writes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Queries the test configs use, and what they return. */
export const PROMQL = {
  errorRateHigh: 'rollback_test_error_ratio{level="high"}',
  errorRateLow: 'rollback_test_error_ratio{level="low"}',
  p99: 'rollback_test_p99_seconds',
  memory: 'rollback_test_memory_ratio',
} as const;

const VALUES: Record<string, string> = {
  [PROMQL.errorRateHigh]: '0.12',
  [PROMQL.errorRateLow]: '0.01',
  [PROMQL.p99]: '0.25',
  [PROMQL.memory]: '0.42',
};

export async function startFakePrometheus(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/v1/query') {
      res.writeHead(404).end();
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    const value = VALUES[query];
    const now = Date.now() / 1000;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [now, value] }] },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
