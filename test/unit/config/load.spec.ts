import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentNamed } from '../../../src/config/config.schema';
import { loadConfig, loadConfigFile, parseConfig, secretsReferenced } from '../../../src/config/load';

const VALID = `
roles:
  incident_commanders: { users: [U0IC], usergroups: [S0ICS] }
  on_call: { users: [U0ONCALL] }
environments:
  production:
    channel: C0INCIDENT
    strategy: docker
    health:
      url: https://api.example.com/health
    services:
      - { name: backend, docker_service: app-backend, image: registry.example.com/app-backend }
`;

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig(text, 'rollback.config.yml', env);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('parseConfig', () => {
  it('accepts the documented example file', () => {
    const c = loadConfigFile(join(__dirname, '../../../rollback.config.example.yml'));
    expect(Object.keys(c.environments)).toEqual(['production', 'staging']);
    expect(c.environments.production.services.map((s) => s.docker_service)).toEqual(['app-backend', 'app-frontend']);
  });

  it('accepts the commented-out Option A and C examples of the example file once uncommented', () => {
    const example = readFileSync(join(__dirname, '../../../rollback.config.example.yml'), 'utf8');
    const at = example.indexOf("  # The runbook's Option A");
    expect(at).toBeGreaterThan(0);
    const text = example.slice(0, at) + example.slice(at).replace(/^ {2}# (?!The runbook)/gm, '  ');
    const c = parseConfig(text, 'x', { GITHUB_TOKEN: 'ghp_example' });
    expect(c.environments.billing.strategy).toBe('script');
    expect(c.environments.billing.script?.command).toBe('./skills/deployment-pipeline/scripts/deploy.sh');
    expect(c.environments.web.github_actions).toMatchObject({
      repo: 'acme/web',
      token: 'ghp_example',
      workflow: 'ci-cd.yml',
    });
  });

  it('reads the alerts keys with their defaults, and names a bad label', () => {
    const c = parseConfig(VALID, 'x');
    expect(c.alerts).toEqual({ environment_label: 'environment', deploy_window_ms: 1_800_000 });
    expect(c.environments.production.alerts).toEqual({ match: {} });
    const narrowed = parseConfig(
      `${VALID}    alerts: { match: { severity: critical, team: shop } }\nalerts: { environment_label: env, deploy_window_ms: 600000 }\n`,
      'x',
    );
    expect(narrowed.alerts).toEqual({ environment_label: 'env', deploy_window_ms: 600_000 });
    expect(narrowed.environments.production.alerts.match).toEqual({ severity: 'critical', team: 'shop' });
    expect(errorOf(`${VALID}alerts: { environment_label: "not a label" }\n`)).toContain('alerts.environment_label');
    expect(errorOf(`${VALID}    alerts: { match: { "bad-name": x } }\n`)).toContain(
      'environments.production.alerts.match.bad-name',
    );
  });

  it('finds environments by their own names only, never by Object.prototype members', () => {
    const c = parseConfig(VALID, 'x');
    expect(environmentNamed(c, 'production')?.channel).toBe('C0INCIDENT');
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__'])
      expect(environmentNamed(c, name)).toBeUndefined();
  });

  it('names the file it cannot read', () => {
    expect(() => loadConfigFile('/nonexistent/rollback.config.yml')).toThrow(
      'ROLLBACK_CONFIG: cannot read /nonexistent/rollback.config.yml (ENOENT)',
    );
  });

  it('fills the documented defaults', () => {
    const c = parseConfig(VALID, 'rollback.config.yml');
    expect(c.environments.production.health).toEqual({
      url: 'https://api.example.com/health',
      retries: 5,
      interval_ms: 2000,
      timeout_ms: 5000,
    });
    expect(c.environments.production.smoke_tests).toEqual([]);
    expect(c.environments.production.docker.convergence_timeout_ms).toBe(300_000);
    expect(c.roles.on_call).toEqual({ users: ['U0ONCALL'], usergroups: [] });
  });

  it('names the bad key and says what is wrong', () => {
    expect(errorOf(VALID.replace('https://api.example.com/health', 'not a url'))).toContain(
      'environments.production.health.url: an http(s) URL',
    );
    expect(errorOf(VALID.replace('channel: C0INCIDENT', 'channel: "#incident"'))).toContain(
      'environments.production.channel: a Slack channel id',
    );
    expect(errorOf(VALID.replace('strategy: docker', 'strategy: kubernetes'))).toContain(
      'environments.production.strategy',
    );
    expect(errorOf(VALID.replace('    strategy: docker', '    strategy: docker\n    stratgey: docker'))).toContain(
      'environments.production: unknown key "stratgey" (did you mean "strategy"?)',
    );
    // The nearest key of the object where the typo is, not of the whole config; nothing when none is close.
    expect(
      errorOf(
        VALID.replace(
          '      url: https://api.example.com/health',
          '      url: https://api.example.com/health\n      retires: 3',
        ),
      ),
    ).toContain('environments.production.health: unknown key "retires" (did you mean "retries"?)');
    expect(errorOf(VALID.replace('    strategy: docker', '    strategy: docker\n    banana: 1'))).toMatch(
      /unknown key "banana"$/m,
    );
    expect(errorOf(VALID.replace('registry.example.com/app-backend', 'registry.example.com/app-backend:v2'))).toContain(
      'environments.production.services[0].image: the image repository without tag or digest',
    );
    expect(errorOf(VALID.replace('    channel: C0INCIDENT\n', ''))).toContain(
      'environments.production.channel: required',
    );
    expect(errorOf(VALID.replace('users: [U0IC], usergroups: [S0ICS]', 'users: []'))).toContain(
      'roles.incident_commanders: name at least one user or user group',
    );
  });

  describe('Step 3 options', () => {
    const SCRIPT = VALID.replace(
      'strategy: docker',
      'strategy: script\n    script:\n      command: ./deploy.sh',
    ).replace(/ {4}services:\n.*\n/, '');
    const GHA = VALID.replace(
      'strategy: docker',
      'strategy: github-actions\n    github_actions:\n      repo: acme/shop\n      token: ${GITHUB_TOKEN}\n      workflow: ci-cd.yml',
    ).replace(/ {4}services:\n.*\n/, '');

    it("fills Option A's defaults with the runbook's command line", () => {
      const s = parseConfig(SCRIPT, 'x').environments.production.script;
      expect(s).toEqual({
        command: './deploy.sh',
        args: ['--rollback', '--env', '{environment}', '--version', '{version}', '--output-dir', '{output_dir}'],
        env: {},
        kill_grace_ms: 5000,
        output_root: './rollback-results',
        output_interval_ms: 10_000,
      });
    });

    it("fills Option C's defaults and reads the token from the environment", () => {
      const g = parseConfig(GHA, 'x', { GITHUB_TOKEN: 'ghp_abc' }).environments.production.github_actions;
      expect(g).toMatchObject({
        repo: 'acme/shop',
        token: 'ghp_abc',
        api_url: 'https://api.github.com',
        workflow: 'ci-cd.yml',
        ref: 'main',
        inputs: { environment: 'environment', version: 'version' },
        poll_interval_ms: 5000,
      });
      expect(errorOf(GHA)).toContain('GITHUB_TOKEN');
    });

    it('refuses what cannot work, naming the key', () => {
      expect(
        errorOf(
          SCRIPT.replace(
            '      command: ./deploy.sh',
            '      command: ./deploy.sh\n      args: [--version, "{verison}"]',
          ),
        ),
      ).toContain(
        'environments.production.script.args[1]: unknown placeholder {verison} (known: {environment}, {version}, {output_dir}, {rollback_id})',
      );
      expect(errorOf(VALID.replace('strategy: docker', 'strategy: script'))).toContain(
        'environments.production.services: services are Docker Swarm services: with strategy script the deploy script deploys the environment; remove them',
      );
      expect(errorOf(SCRIPT.replace('strategy: script', 'strategy: github-actions'))).toContain(
        'environments.production.github_actions: strategy github-actions needs github_actions',
      );
      expect(errorOf(SCRIPT.replace('strategy: script', 'strategy: github-actions'))).toContain(
        'environments.production.script: only used with strategy script',
      );
      expect(
        errorOf(
          SCRIPT.replace('    strategy: script\n', '    strategy: script\n    migrations: { image_label: db }\n'),
        ),
      ).toContain(
        'environments.production.migrations.image_label: image labels are read from Docker: only with strategy docker',
      );
      expect(errorOf(SCRIPT.replace(/ {4}script:\n.*\n/, ''))).toContain(
        'environments.production.script: strategy script needs a script',
      );
      expect(errorOf(VALID.replace(/ {4}services:\n.*\n/, ''))).toContain(
        'environments.production.services: strategy docker needs at least one service',
      );
      expect(
        errorOf(GHA.replace('workflow: ci-cd.yml', 'workflow: "CI/CD Pipeline"'), { GITHUB_TOKEN: 't' }),
      ).toContain('a workflow file name such as ci-cd.yml, or its numeric id');
    });
  });

  it('refuses YAML that does not parse, naming the file', () => {
    expect(errorOf('roles: [unclosed')).toMatch(/^rollback\.config\.yml is not valid YAML/);
    expect(errorOf('')).toContain('empty');
  });

  it('interpolates ${VAR} from the environment and names a missing one with its key', () => {
    const text = VALID.replace('https://api.example.com/health', '${HEALTH_URL}');
    expect(parseConfig(text, 'x', { HEALTH_URL: 'http://10.0.0.1/health' }).environments.production.health.url).toBe(
      'http://10.0.0.1/health',
    );
    expect(errorOf(text)).toContain('environments.production.health.url: environment variable HEALTH_URL is not set');
  });
});

describe('secretsReferenced', () => {
  it('takes the values of ${VAR}s named as secrets, not of variables that hold names', () => {
    const text = 'a: ${GITHUB_TOKEN}\nb: ${CREDENTIALS_API_BACKEND}\nc: ${TOKEN_SERVICE_NAME}\nd: ${SENTRY_DSN}\n';
    const env = {
      GITHUB_TOKEN: 'gh-token-abcdef',
      CREDENTIALS_API_BACKEND: 'api-key-rotation',
      TOKEN_SERVICE_NAME: 'token-service',
      SENTRY_DSN: 'https://k@sentry.example/1',
    };
    expect(secretsReferenced(text, env).sort()).toEqual(['gh-token-abcdef', 'https://k@sentry.example/1']);
  });
});

describe('secrets read from files (Docker secrets, issue 22)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const withSecrets = (api: string) => `${VALID}
api:
  tokens:
    github-ci: "${api}"
`;

  it('reads ${file:<path>} for the API tokens, PagerDuty and GitHub, the trailing newline dropped', () => {
    const api = secretFile('api_token', 'ci-token-0123456789abcdef0123\n');
    const pd = secretFile('pd_key', 'R0UT1NGKEY\r\n');
    const gh = secretFile('gh_token', 'ghp_fromafile000000000000000000000000\n\n');
    const text = `${VALID}    migrations: { github: { repo: acme/shop, token: "\${file:${gh}}" } }
api:
  tokens:
    github-ci: "\${file:${api}}"
pagerduty:
  routing_key: "\${file:${pd}}"
`;
    const c = parseConfig(text, 'x', {});
    expect(c.api?.tokens['github-ci']).toBe('ci-token-0123456789abcdef0123');
    expect(c.pagerduty?.routing_key).toBe('R0UT1NGKEY');
    expect(c.environments.production.migrations?.github?.token).toBe('ghp_fromafile000000000000000000000000');
  });

  it("reads ${VAR} from VAR_FILE when VAR itself is not set (the *_FILE convention of the bot's variables)", () => {
    const file = secretFile('api_token', 'ci-token-from-file-0123456789\n');
    const text = withSecrets('${CI_API_TOKEN}');
    expect(parseConfig(text, 'x', { CI_API_TOKEN_FILE: file }).api?.tokens['github-ci']).toBe(
      'ci-token-from-file-0123456789',
    );
    // The variable itself wins, as for SLACK_BOT_TOKEN_FILE.
    expect(
      parseConfig(text, 'x', { CI_API_TOKEN: 'ci-token-from-the-variable-01', CI_API_TOKEN_FILE: file }).api?.tokens[
        'github-ci'
      ],
    ).toBe('ci-token-from-the-variable-01');
  });

  it('names the key when the file is missing, unreadable or empty, without echoing anything read', () => {
    const missing = join(dir, 'nope');
    expect(errorOf(withSecrets(`\${file:${missing}}`))).toContain(
      `api.tokens.github-ci: cannot read the secret file ${missing} (ENOENT)`,
    );
    expect(errorOf(withSecrets(`\${file:${dir}}`))).toContain(
      `api.tokens.github-ci: cannot read the secret file ${dir} (EISDIR)`,
    );
    const empty = secretFile('empty', '\n');
    expect(errorOf(withSecrets(`\${file:${empty}}`))).toContain(
      `api.tokens.github-ci: the secret file ${empty} is empty`,
    );
    expect(errorOf(withSecrets('${CI_API_TOKEN}'), { CI_API_TOKEN_FILE: missing })).toContain(
      `api.tokens.github-ci: cannot read the secret file ${missing} (ENOENT) (from CI_API_TOKEN_FILE)`,
    );
  });

  it('counts every value read from a file as a secret, whatever the variable or path is called', () => {
    const file = secretFile('ci', 'ci-token-0123456789abcdef0123\n');
    const config = secretFile('rollback.config.yml', withSecrets('${CI_BEARER}'));
    expect(loadConfig(config, { CI_BEARER_FILE: file }).secrets).toContain('ci-token-0123456789abcdef0123');
    const direct = secretFile('direct.yml', VALID.replace('/health', `/health/\${file:${file}}`));
    expect(loadConfig(direct, {}).secrets).toContain('ci-token-0123456789abcdef0123');
  });
});
