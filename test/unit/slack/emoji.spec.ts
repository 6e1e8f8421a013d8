/**
 * Every Slack emoji shortcode the bot writes (`:white_check_mark:` …) is drawn as an emoji by the playground's page,
 * so what the playground shows is what Slack would show, not the shortcode.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
/** Colon-delimited words in the sources that are not emoji. */
const NOT_EMOJI = new Set(['memory', 'file']); // SQLite's ":memory:"; the config's "${file:…}" pattern ("(?:file:")

it('the playground maps every shortcode the bot uses', () => {
  const page = readFileSync(path.join(ROOT, 'playground/web/index.html'), 'utf8');
  const map = /const EMOJI = \{([\s\S]*?)\};/.exec(page)?.[1] ?? '';
  const drawn = new Set([...map.matchAll(/([a-z0-9_+-]+):\s*"/g)].map((m) => m[1]));
  const used = execFileSync('grep', ['-rhoE', ':[a-z0-9_+-]+:', 'src', '--include=*.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
    .map((s) => s.slice(1, -1))
    .filter((name) => !NOT_EMOJI.has(name));
  expect(used.length).toBeGreaterThan(20);
  expect([...new Set(used)].filter((name) => !drawn.has(name))).toEqual([]);
});
