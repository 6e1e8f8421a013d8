/**
 * The V8 flags a replica runs with, seen where they matter: in a fresh Node process (the flags are per process), the
 * same burst of short-lived allocations leaves a much smaller young generation once lean-heap.ts is loaded. (Not
 * imported here: it would change the flags of the test runner's own process.)
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = join(__dirname, '../../..');

/**
 * Loads src/replica/lean-heap.ts (compiled on the fly) or not, allocates about 3 million small objects, a third of a
 * million alive at a time (a burst of requests), and reports V8's young generation and whole heap, in MB.
 */
const BURST = `
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const [root, lean] = process.argv.slice(1);
if (lean === 'yes') {
  const ts = require(require.resolve('typescript', { paths: [root] }));
  const file = path.join(root, 'src/replica/lean-heap.ts');
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const m = new module.constructor(file);
  m._compile(out.outputText, file);
}
let alive = [];
for (let i = 0; i < 3e6; i++) {
  alive.push({ i, s: 'x' + i });
  if (alive.length > 300000) alive = [];
}
const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
process.stdout.write(JSON.stringify({ youngMb: young / 2 ** 20, heapMb: process.memoryUsage().heapTotal / 2 ** 20 }));
`;

async function burst(lean: boolean): Promise<{ youngMb: number; heapMb: number }> {
  const { stdout } = await exec(process.execPath, ['-e', BURST, ROOT, lean ? 'yes' : 'no'], {
    cwd: ROOT,
    timeout: 30_000,
  });
  return JSON.parse(stdout) as { youngMb: number; heapMb: number };
}

describe('lean heap', () => {
  it('keeps the young generation and the heap small through a burst of allocations', async () => {
    const [plain, lean] = await Promise.all([burst(false), burst(true)]);
    // V8's own sizing grows the young generation to 32 MB in this burst; favouring size keeps it at a quarter.
    expect(lean.youngMb).toBeLessThanOrEqual(plain.youngMb / 2);
    expect(lean.heapMb).toBeLessThan(plain.heapMb);
  }, 30_000);
});
