/**
 * `npm run playground` (`exec node playground/launch.mjs`): compiles the playground, then runs it in this process.
 *
 * Why not `tsc && node …`: npm passes SIGINT and SIGTERM to its own child only, the `sh` that runs the script. That
 * sh passes neither on: SIGTERM kills it and leaves the playground running without npm, and SIGINT is ignored until
 * the playground exits by itself. Only a terminal's Ctrl-C, which reaches every process of the group, used to work.
 * With `exec`, this process is npm's child and gets the signal; while the compiler runs, it passes the signal on and
 * stops without starting anything; after that, the playground's own handler stops it and removes what it built.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SIGNALS = ['SIGINT', 'SIGTERM'];

let stopWith = null;
const compiler = spawn(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.playground.json')],
  { cwd: ROOT, stdio: 'inherit' },
);
const passOn = (signal) => {
  stopWith = signal;
  compiler.kill(signal);
};
for (const s of SIGNALS) process.on(s, passOn);

compiler.once('error', (err) => {
  process.stderr.write(`playground: cannot run the TypeScript compiler: ${err.message}\n`);
  process.exit(1);
});
compiler.once('exit', (code, signal) => {
  for (const s of SIGNALS) process.off(s, passOn);
  // Stopped while compiling: end the way we were asked to, so npm reports it as it would any signal.
  if (stopWith || signal) {
    process.kill(process.pid, stopWith || signal);
    return;
  }
  if (code !== 0) {
    process.exitCode = code === null ? 1 : code;
    return;
  }
  import(pathToFileURL(path.join(ROOT, '.playground-build', 'playground', 'main.js')).href).catch((err) => {
    process.stderr.write(`playground: cannot start the compiled playground: ${err.message}\n`);
    process.exit(1);
  });
});
