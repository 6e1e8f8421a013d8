/** The config's secrets are its secret-bearing fields, never the names a team gives its environments and services. */
import { configSchema } from '../../../src/config/config.schema';
import { configSecrets, SECRET_VARIABLE } from '../../../src/config/secrets';

const health = { url: 'https://status.example/health' };

/** Every name a security-minded team might choose, in every place a name goes. */
const config = configSchema.parse({
  roles: { incident_commanders: { users: ['U0IC'] }, platform_team: { channel: 'CWEBHOOKRELAY' } },
  api: { tokens: { auth: 'auth-caller-token-0123456789', 'token-service': 'tsvc-caller-token-0123456789' } },
  pagerduty: { routing_key: 'pd-routing-key-0123' },
  environments: {
    'credentials-api': {
      channel: 'CCREDENTIALSAPI',
      strategy: 'docker',
      eta: 'password-reset back in 5 minutes',
      health: { url: 'https://probe:hp-pass-0123@status.example/health?api_key=hk-0123456' },
      smoke_tests: [{ name: 'private-key-vault', url: 'https://status.example/secrets' }],
      services: [
        { name: 'token-service', docker_service: 'api-key-rotation', image: 'registry.example/secrets' },
        { name: 'password-reset', docker_service: 'private-key-vault', image: 'registry.example/auth' },
      ],
      migrations: { github: { repo: 'acme/credentials-api', token: 'migrations-gh-token-0123' } },
      tickets: { github: { repo: 'acme/secrets', token: 'tickets-gh-token-0123' } },
    },
    secrets: {
      channel: 'CSECRETS',
      strategy: 'github-actions',
      health,
      github_actions: {
        repo: 'acme/auth',
        token: 'workflow-gh-token-0123',
        workflow: 'dsn.yml',
        extra_inputs: { webhook_relay: 'pat' },
      },
    },
    'token-service': {
      channel: 'CTOKENSERVICE',
      strategy: 'script',
      health,
      script: {
        command: './deploy-secrets.sh',
        env: { DEPLOY_TOKEN: 'deploy-token-0123', AUTH_SERVICE: 'webhook-relay', REGION: 'eu-credentials-1' },
      },
    },
  },
});

describe('configSecrets', () => {
  it("lists the schema's secret-bearing fields and URL credentials, and nothing a name put there", () => {
    expect(configSecrets(config).sort()).toEqual(
      [
        'auth-caller-token-0123456789',
        'tsvc-caller-token-0123456789',
        'pd-routing-key-0123',
        'migrations-gh-token-0123',
        'tickets-gh-token-0123',
        'workflow-gh-token-0123',
        'deploy-token-0123',
        'probe:hp-pass-0123',
        'hp-pass-0123',
        'hk-0123456',
      ].sort(),
    );
  });
});

describe('SECRET_VARIABLE', () => {
  it("holds a secret by its name's last word; a word elsewhere only qualifies a name", () => {
    const secret = ['GITHUB_TOKEN', 'HEALTH_KEY', 'PAGERDUTY_ROUTING_KEY', 'DB_PASSWORD', 'SENTRY_DSN', 'GH_PAT'];
    const names = ['TOKEN_SERVICE_NAME', 'CREDENTIALS_API_BACKEND', 'AUTH_SERVICE', 'SECRETS_CHANNEL', 'HEALTH_HOST'];
    expect(secret.filter((n) => SECRET_VARIABLE.test(n))).toEqual(secret);
    expect(names.filter((n) => SECRET_VARIABLE.test(n))).toEqual([]);
  });
});
