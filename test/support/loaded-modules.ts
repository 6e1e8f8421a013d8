/**
 * Which of the project's modules a source file loads, measured in a fresh Node process: the file is required with a
 * hook that compiles TypeScript one file at a time (as `isolatedModules` allows, so type-only imports are erased the
 * way tsc erases them), and the process then lists `require.cache`. No jest module registry, no build folder.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const ROOT = join(__dirname, '../..');

const LIST_LOADED = `
const fs = require('node:fs');
const path = require('node:path');
const [root, file] = process.argv.slice(1);
const ts = require(require.resolve('typescript', { paths: [root] }));
require.extensions['.ts'] = (m, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  m._compile(out.outputText, filename);
};
require(path.join(root, file));
const src = path.join(root, 'src') + path.sep;
const ours = Object.keys(require.cache).filter((k) => k.startsWith(src)).map((k) => path.relative(root, k));
process.stdout.write(JSON.stringify(ours));
`;

/** The project's modules (paths such as `src/domain/errors.ts`) that loading `file` (relative to the root) loads. */
export async function modulesLoadedBy(file: string): Promise<string[]> {
  const { stdout } = await exec(process.execPath, ['-e', LIST_LOADED, ROOT, file], { cwd: ROOT, timeout: 30_000 });
  return JSON.parse(stdout) as string[];
}
