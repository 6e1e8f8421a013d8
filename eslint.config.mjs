// ESLint (flat config) with typescript-eslint. The type-aware rules matter most once the ports are asynchronous:
// a promise nobody awaits or catches is a step that fails silently, or an unhandled rejection mid-rollback.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import zones: which layer may import which (docs/architecture.md, "Dependencies point one way"). ESLint's own
// no-restricted-imports, one block per layer; a pattern is a regular expression over the import as written
// (relative or a package name). A file gets the list of the one block that matches it, so blocks do not overlap.
const ours = (folder) => `(^|/)${folder}(/|$)`;
const layer = (name) => ({
  regex: ours(name),
  message: `${name}/ is outside this layer's reach (import zones in eslint.config.mjs)`,
});
const BOLT = {
  regex: '^@slack/bolt$',
  message: 'only slack/, replica/ and adapters/slack/ speak Bolt',
};
const zone = (files, forbidden, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: forbidden }] },
});
/** No layer imports the composition (bot.ts) or a process's entry point: they import the layers. */
const ABOVE_ALL = ['bot', 'main', 'container-entrypoint'].map((f) => ({
  regex: `(^|/)\\.\\.?/(\\.\\./)*${f}$`,
  message: 'only the composition (bot.ts, main.ts) wires the layers together',
}));
const zones = [
  // domain/ imports nothing of ours: every import stays inside the folder.
  zone(['src/domain/**'], [{ regex: '^\\.\\./', message: 'domain/ imports nothing of ours' }, BOLT]),
  // ports/ are shaped by the domain.
  zone(['src/ports/**'], [{ regex: '^\\.\\./(?!domain/)', message: 'ports/ import the domain only' }, BOLT]),
  // config/ reads env and YAML; the runbook reads it, so it reads no runbook.
  zone(
    ['src/config/**'],
    [...['runbook', 'slack', 'api', 'adapters', 'replica', 'ports'].map(layer), ...ABOVE_ALL, BOLT],
  ),
  // runbook/ stands on domain/, ports/ and its config; it never sees Slack, HTTP or an adapter.
  zone(['src/runbook/**'], [...['slack', 'api', 'adapters', 'replica', 'logger'].map(layer), ...ABOVE_ALL, BOLT]),
  // The API for machines calls use cases; it hands CI the card's permalink and nothing else of Slack.
  zone(
    ['src/api/**'],
    [
      ...['adapters', 'replica'].map(layer),
      { regex: '(^|/)slack/(?!permalink$)', message: 'api/ takes only the permalink from slack/' },
      ...ABOVE_ALL,
      BOLT,
    ],
  ),
  // Adapters implement ports with their library; never the runbook, Slack's listeners or the transport.
  zone(
    ['src/adapters/**'],
    [...['runbook', 'slack', 'api', 'replica'].map(layer), ...ABOVE_ALL, BOLT],
    ['src/adapters/slack/**'],
  ),
  // The Slack adapter paints with slack/blocks and Slack's language (mentions, reach), not with listeners or the app.
  // The runbook passes it the Audience as data (ports/notifier.port.ts): it never asks runbook/ who is told.
  zone(
    ['src/adapters/slack/**'],
    [
      layer('runbook'),
      {
        regex: '(^|/)slack/(listeners|app)(/|$)',
        message: 'adapters/slack/ renders; listeners and the app are slack/',
      },
      ...['api', 'replica'].map(layer),
      ...ABOVE_ALL,
    ],
  ),
  // Block Kit is pure: strategy WORDS only (runbook/strategies/words.ts and each strategy's words.ts), never behaviour.
  zone(
    ['src/slack/blocks/**'],
    [
      {
        regex: '(^|/)runbook/(?!strategies/(words|strategy-words|[^/]+/words)$)',
        message: 'slack/blocks/ reads strategy words (runbook/strategies/words), never behaviour',
      },
      ...['adapters', 'api', 'replica'].map(layer),
      { regex: '(^|/)listeners(/|$)', message: 'blocks render; listeners use them' },
      ...ABOVE_ALL,
    ],
  ),
  // slack/: Bolt wiring and listeners; they call the runbook's service, never an adapter or the transport.
  zone(['src/slack/**'], [...['adapters', 'api', 'replica'].map(layer), ...ABOVE_ALL], ['src/slack/blocks/**']),
  // The transport loads no runbook code, no Block Kit, no adapter (test/unit/replica/front.spec.ts measures it).
  zone(
    ['src/replica/**'],
    [
      ...['runbook', 'adapters'].map(layer),
      { regex: '(^|/)slack/(blocks|listeners)(/|$)', message: 'the transport does not render or listen' },
      { regex: '(^|/)api/(?!api\\.wire$)', message: 'the transport carries the API wire, it does not answer it' },
      ...ABOVE_ALL,
    ],
  ),
  zone(['src/logger.ts'], [{ regex: '^\\./(?!domain/)', message: 'the logger stands on the domain only' }, BOLT]),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.bench-build/',
      '.playground-build/',
      '.test-build/',
      'playground/web/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Tests and the Slack wire format read JSON of a shape checked at runtime (zod) or asserted by the test.
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  ...zones,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { module: 'readonly', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
  },
);
