/** The config's schema itself (parseConfig in load.spec.ts adds YAML, ${VAR} and the messages): defaults and cross-checks. */
import { configSchema, environmentNamed } from '../../../src/config/config.schema';

const env = (over: Record<string, unknown> = {}) => ({
  channel: 'C0INCIDENT',
  strategy: 'docker',
  health: { url: 'https://api.example.com/health' },
  services: [{ name: 'backend', docker_service: 'app-backend', image: 'registry.example.com/app-backend' }],
  ...over,
});
const config = (over: Record<string, unknown> = {}, production: Record<string, unknown> = {}) => ({
  roles: { incident_commanders: { users: ['U0IC'] } },
  environments: { production: env(production) },
  ...over,
});
const problems = (input: unknown): string[] => {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('configSchema', () => {
  it('fills the per-user limits and the roles nobody named', () => {
    const c = configSchema.parse(config());
    expect(c.limits).toEqual({
      requests: { count: 6, window_minutes: 10 },
      reports: { count: 5, window_minutes: 10 },
      refusals: { count: 20, window_minutes: 1 },
    });
    expect(c.roles.on_call).toEqual({ users: [], usergroups: [] });
    expect(c.environments.production.approval).toEqual({
      require_different_approver: false,
      expires_after_ms: 30 * 60_000,
    });
    expect(c.environments.production.requests_from).toBe('channel');
  });

  it('needs someone who can approve, and at least one environment', () => {
    expect(problems(config({ roles: { incident_commanders: { users: [] } }, environments: {} }))).toEqual([
      'roles.incident_commanders: name at least one user or user group: nobody could approve a rollback',
      'environments: configure at least one environment',
    ]);
  });

  it('refuses duplicate service names, a bad environment name, and unknown keys', () => {
    const svc = { name: 'backend', docker_service: 'a', image: 'r/a' };
    expect(problems(config({}, { services: [svc, { ...svc, docker_service: 'b' }] }))).toEqual([
      'environments.production.services.1.name: duplicate service name "backend"',
    ]);
    expect(problems({ ...config(), environments: { 'prod env': env() } })[0]).toMatch(/^environments.prod env: /);
    expect(problems(config({ extra: true }))).toEqual([expect.stringContaining('extra')]);
  });

  it('checks the strategy’s needs: services per service, its own section, image labels only with Docker', () => {
    expect(problems(config({}, { services: [] }))).toEqual([
      'environments.production.services: strategy docker needs at least one service',
    ]);
    expect(problems(config({}, { strategy: 'script', script: { command: './deploy.sh' } }))).toEqual([
      expect.stringMatching(
        /^environments.production.services: services are Docker Swarm services: with strategy script/,
      ),
    ]);
    expect(problems(config({}, { strategy: 'script', services: [] }))).toEqual([
      expect.stringMatching(/^environments.production.script: /),
    ]);
  });

  it('keeps the API tokens long enough to be secrets', () => {
    expect(problems(config({ api: { tokens: { 'github-ci': 'short' } } }))).toEqual([
      'api.tokens.github-ci: at least 20 characters (a random token: openssl rand -hex 24)',
    ]);
  });
});

describe('environmentNamed', () => {
  it('finds an environment by its own name only', () => {
    const c = configSchema.parse(config());
    expect(environmentNamed(c, 'production')?.channel).toBe('C0INCIDENT');
    expect(environmentNamed(c, 'staging')).toBeUndefined();
    expect(environmentNamed(c, 'constructor')).toBeUndefined();
    expect(environmentNamed(c, '__proto__')).toBeUndefined();
  });
});
