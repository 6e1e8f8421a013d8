/** github_app and an environment's github: the App's key and secret read from their files, bad ones named, secrets known. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/load';
import { configSecrets } from '../../../src/config/secrets';

const dir = mkdtempSync(join(tmpdir(), 'gh-app-'));
const pem = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const KEY = file('key.pem', pem);
const SECRET = file('secret', 'whsec-0123456789abcdef\n');

const yaml = (app: string, github = 'github: { repo: acme/shop }') => `
roles: { incident_commanders: { users: [U0IC] } }
${app}
environments:
  production:
    channel: C0INCIDENT
    strategy: docker
    health: { url: http://h.invalid/ }
    services: [{ name: backend, docker_service: b, image: r/b }]
    ${github}
`;

it('reads the private key and the webhook secret, and registers both (and each key line) with the redactor', () => {
  const config = parseConfig(
    yaml(`github_app: { app_id: "123", private_key_file: ${KEY}, webhook_secret_file: ${SECRET} }`),
    'test',
  );
  expect(config.github_app).toMatchObject({
    app_id: 123,
    api_url: 'https://api.github.com',
    webhook_secret_file: { file: SECRET, content: 'whsec-0123456789abcdef' },
  });
  expect(config.github_app?.private_key_file.content).toBe(pem.trimEnd());
  const secrets = configSecrets(config);
  expect(secrets).toEqual(expect.arrayContaining([pem.trimEnd(), 'whsec-0123456789abcdef']));
  expect(secrets).toContain(pem.split('\n')[1]);
  expect(config.environments.production.github).toEqual({
    repo: 'acme/shop',
    api_url: 'https://api.github.com',
    request_timeout_ms: 5000,
  });
});

it('names the key of a missing, empty or wrong file, never its content', () => {
  const bad = [
    [
      `private_key_file: ${join(dir, 'nope')}, webhook_secret_file: ${SECRET}`,
      /github_app\.private_key_file: cannot read .*ENOENT/,
    ],
    [
      `private_key_file: ${SECRET}, webhook_secret_file: ${SECRET}`,
      /github_app\.private_key_file: not a PEM private key/,
    ],
    [
      `private_key_file: ${KEY}, webhook_secret_file: ${file('short', 'abc')}`,
      /webhook_secret_file: the webhook secret is shorter/,
    ],
    [`private_key_file: ${KEY}, webhook_secret_file: ${file('empty', '')}`, /webhook_secret_file: .* is empty/],
  ] as const;
  for (const [keys, message] of bad) {
    expect(() => parseConfig(yaml(`github_app: { app_id: 1, ${keys} }`), 'test')).toThrow(message);
  }
  expect(() =>
    parseConfig(yaml(`github_app: { app_id: 1, private_key_file: ${SECRET}, webhook_secret_file: ${SECRET} }`), 'test'),
  ).not.toThrow(/whsec-0123456789abcdef/);
});

it('needs a token or the GitHub App for an environment with github:, and registers the token', () => {
  expect(() => parseConfig(yaml(''), 'test')).toThrow(/environments\.production\.github: give a token/);
  const config = parseConfig(yaml('', 'github: { repo: acme/shop, token: ghp_0123456789 }'), 'test');
  expect(configSecrets(config)).toContain('ghp_0123456789');
});
