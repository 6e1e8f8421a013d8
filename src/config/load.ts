import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SettingsError } from '../domain/errors';
import { nearestKey } from './suggest';
import { configSecrets, SECRET_VARIABLE } from './secrets';
import { type BotConfig, configSchema } from './config.schema';

/** A config file the bot cannot start with: one problem (unreadable, not YAML) or every invalid key. */
const configError = (heading: string, problems: string[]) => new SettingsError(heading, problems);

const keyPath = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') ||
  '(top level)';

/** Replaces `${VAR}` in every string value with the environment variable; a missing one is an error naming the key. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined)
        throw configError('the config refers to an unset variable', [
          `${keyPath(path)}: environment variable ${name} is not set`,
        ]);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k])]));
  }
  return value;
}

export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): BotConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw configError(`${source} is not valid YAML`, [(err as Error).message.split('\n')[0]]);
  }
  if (raw === null || typeof raw !== 'object') throw configError(`${source} is empty or not a YAML mapping`, []);
  const result = configSchema.safeParse(interpolate(raw, env));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${keyPath(i.path)}: ${issueMessage(i)}`);
    throw configError(`${source} is invalid`, lines);
  }
  return result.data;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys
      .map((k) => {
        const near = nearestKey(configSchema, issue.path, k);
        return near ? `"${k}" (did you mean "${near}"?)` : `"${k}"`;
      })
      .join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required (${issue.expected})`;
  return issue.message;
}

/**
 * The values of the secret-looking variables the config text refers to with ${VAR}, wherever they are used (a key in
 * a health URL's path, say). A variable is secret by its name's last word (SECRET_VARIABLE): `${GITHUB_TOKEN}` is,
 * `${CREDENTIALS_API_BACKEND}` (a Docker service's name) is not.
 */
export function secretsReferenced(text: string, env: NodeJS.ProcessEnv): string[] {
  const names = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)]
    .map((m) => m[1])
    .filter((n) => SECRET_VARIABLE.test(n));
  return [...new Set(names)].map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

export function loadConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): { config: BotConfig; secrets: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(`cannot read the config file`, [
      `ROLLBACK_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    ]);
  }
  const config = parseConfig(text, path, env);
  return { config, secrets: [...secretsReferenced(text, env), ...configSecrets(config)] };
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): BotConfig {
  return loadConfig(path, env).config;
}
