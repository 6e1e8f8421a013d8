import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ErrorCode, RollbackBotError } from '../domain/errors';
import { type BotConfig, configSchema } from './config.schema';

const configError = (message: string, cause?: unknown) => new RollbackBotError(ErrorCode.ConfigInvalid, message, { cause });

const keyPath = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(top level)';

/** Replaces `${VAR}` in every string value with the environment variable; a missing one is an error naming the key. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw configError(`${keyPath(path)}: environment variable ${name} is not set`);
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
    throw configError(`${source} is not valid YAML: ${(err as Error).message}`, err);
  }
  if (raw === null || typeof raw !== 'object') throw configError(`${source} is empty or not a YAML mapping`);
  const result = configSchema.safeParse(interpolate(raw, env));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${keyPath(i.path)}: ${issueMessage(i)}`);
    throw configError(`${source} is invalid:\n${lines.join('\n')}`, result.error);
  }
  return result.data;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `required (${issue.expected})`;
  return issue.message;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): BotConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(`cannot read the config file ${path} (set ROLLBACK_CONFIG): ${(err as Error).message}`, err);
  }
  return parseConfig(text, path, env);
}
