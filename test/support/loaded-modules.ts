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
const packages = Object.keys(require.cache)
  .filter((k) => k.includes(path.sep + 'node_modules' + path.sep))
  .map((k) => k.slice(k.lastIndexOf(path.sep + 'node_modules' + path.sep) + 14).split(path.sep).join('/'));
process.stdout.write(JSON.stringify({ ours, packages }));
`;

async function loadedBy(file: string): Promise<{ ours: string[]; packages: string[] }> {
  const { stdout } = await exec(process.execPath, ['-e', LIST_LOADED, ROOT, file], { cwd: ROOT, timeout: 30_000 });
  return JSON.parse(stdout) as { ours: string[]; packages: string[] };
}

/** The project's modules (paths such as `src/domain/errors.ts`) that loading `file` (relative to the root) loads. */
export async function modulesLoadedBy(file: string): Promise<string[]> {
  return (await loadedBy(file)).ours;
}

/**
 * The files of npm packages that loading `file` loads, as `package/path` (`@slack/bolt/dist/App.js`): what weighs on
 * a process's memory is mostly its packages.
 */
export async function packageFilesLoadedBy(file: string): Promise<string[]> {
  return (await loadedBy(file)).packages;
}
