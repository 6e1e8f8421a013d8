/**
 * Which settings are secrets, by the schema's own field names. A key the user chooses (an environment, a service, a
 * channel, an API caller's name) says nothing about what is under it: an environment called `credentials-api` holds
 * names, not credentials, and treating them as secrets rewrote `docker` and `channel` in every message (issue 22).
 */
import { urlCredentials } from '../domain/redact';
import type { BotConfig } from './config.schema';

/**
 * A variable that holds a secret by its name's last word (`GITHUB_TOKEN`, `HEALTH_KEY`, `DB_PASSWORD`,
 * `SENTRY_DSN`): `${VAR}` in the config, or a deploy script's `env:`. A word elsewhere in the name only qualifies it
 * (`TOKEN_SERVICE_NAME`, `CREDENTIALS_API_BACKEND` hold names).
 */
export const SECRET_VARIABLE =
  /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PASS|PWD|KEY|PAT|DSN|CREDENTIALS?|AUTH|WEBHOOK|WEBHOOK_URL)$/i;

/**
 * The config's secrets: the fields the schema defines as secret-bearing, literal or from `${VAR}`, and the
 * credentials inside any URL-shaped value (found by their shape, wherever they are).
 */
export function configSecrets(config: BotConfig): string[] {
  const found: string[] = [];
  found.push(...Object.values(config.api?.tokens ?? {}));
  if (config.pagerduty) found.push(config.pagerduty.routing_key);
  if (config.github_app) {
    const pem = config.github_app.private_key_file.content;
    // The key whole, and each of its lines: an error quoting part of it gives nothing away either.
    found.push(pem, ...pem.split(/\r?\n/).filter((line) => line.length >= 32 && !line.startsWith('-----')));
    found.push(config.github_app.webhook_secret_file.content);
  }
  for (const env of Object.values(config.environments)) {
    if (env.github_actions) found.push(env.github_actions.token);
    if (env.migrations?.github) found.push(env.migrations.github.token);
    if (env.tickets) found.push(env.tickets.github.token);
    if (env.github?.token) found.push(env.github.token);
    for (const [name, value] of Object.entries(env.script?.env ?? {}))
      if (SECRET_VARIABLE.test(name)) found.push(value);
  }
  found.push(...stringsIn(config).flatMap(urlCredentials));
  return [...new Set(found.filter((s) => s.length > 0))];
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
