/**
 * The API's failed-login limiter under a flood of distinct source addresses (issue 22, defect 7): time per request
 * and keys kept, at 10k, 60k and 100k addresses inside one minute. It must stay flat (O(1) per request) and bounded.
 * Run: `npx tsc -p tsconfig.json --outDir .bench-build && node .bench-build/bench/limiter.js`. Reports; never fails.
 */
import { API_LIMITS } from '../src/api/api';
import { RateLimiter } from '../src/runbook/policies/limits';

const MINUTE = 60_000;
const SAMPLE = 20_000;

for (const addresses of [10_000, 60_000, 100_000]) {
  const limiter = new RateLimiter(API_LIMITS.failuresPerMinute, MINUTE);
  for (let i = 0; i < addresses; i++) limiter.take(`a${i}`, (i / addresses) * (MINUTE / 2));
  // Requests once that many addresses are known: new addresses, still inside the same minute.
  const started = process.hrtime.bigint();
  for (let i = 0; i < SAMPLE; i++) limiter.take(`b${i}`, MINUTE / 2 + i / SAMPLE);
  const perRequestMs = Number(process.hrtime.bigint() - started) / 1e6 / SAMPLE;
  console.log(
    `${String(addresses).padStart(7)} addresses: ${perRequestMs.toFixed(4)} ms per request, ${limiter.size} keys kept`,
  );
}
