/**
 * Secrets never leave the process. What counts as one:
 * - values we were told about (the Slack tokens, the signing secret, `${VAR}` values whose names look secret) and
 *   every config value under a secret-bearing key (`token`, `routing_key`, `password`, …), literal or not;
 * - anything shaped like a Slack or GitHub token, wherever it comes from;
 * - credentials inside a URL: `https://user:pass@host`, and query values such as `?token=…` or `&key=…`.
 * Text is redacted before it is cut to any limit; and where text was already cut (it ends in `…`), a cut-off start
 * of a known secret is redacted too.
 */

/** Slack and GitHub tokens look like this whatever their source. */
const TOKEN_PATTERNS = [
  /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{6,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
];
/** scheme://user:password@ or scheme://token@ */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@?#<>|]+@/gi;
/** Query (or fragment) parameters whose name says they carry a secret. */
const SECRET_PARAM =
  /([?&#;](?:[A-Za-z0-9_.-]*(?:token|key|secret|password|passwd|pwd|sig|signature|auth|credential|session)[A-Za-z0-9_.-]*)=)[^&\s#<>|"'`]+/gi;
/** Config keys whose values are secrets. */
export const SECRET_KEY = /token|secret|password|passwd|routing_?key|api_?key|private_?key|credential/i;
/** Shorter values are too likely to occur by chance to be replaced everywhere. */
const MIN_SECRET_LENGTH = 6;
/** A cut-off start of a secret at least this long is redacted where text was truncated. */
const MIN_PREFIX = 4;

export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly string[] = []) {
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort(
      (a, b) => b.length - a.length,
    );
  }

  text(input: string): string {
    let out = input;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    for (const p of TOKEN_PATTERNS) out = out.replace(p, REDACTED);
    out = out.replace(URL_USERINFO, `$1${REDACTED}@`).replace(SECRET_PARAM, `$1${REDACTED}`);
    return out.includes('…') ? this.cutPrefixes(out) : out;
  }

  /** Every string inside `value` (objects, arrays), redacted; the shape is kept. */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.deep(v)) as T;
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v)])) as T;
    return value;
  }

  /** `…abc123…` where `abc123` begins a known secret: the text was cut inside it. */
  private cutPrefixes(text: string): string {
    return text.replace(/([^\s`'"<>|(]+)…/g, (whole, run: string) => {
      for (const s of this.secrets) {
        for (let n = Math.min(run.length, s.length - 1); n >= MIN_PREFIX; n--) {
          if (run.endsWith(s.slice(0, n))) return `${run.slice(0, run.length - n)}${REDACTED}…`;
        }
      }
      return whole;
    });
  }
}

/** Replaces every known secret, and anything shaped like a token or URL credential, with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return new Redactor(secrets).text(text);
}

/**
 * The secrets a config holds: every string under a secret-bearing key, and the credentials of every URL in it
 * (userinfo, and the values of secret-looking query parameters).
 */
export function secretsInConfig(config: unknown, key = '', underSecret = false): string[] {
  // Everything under a secret-bearing key is secret too (`api: { tokens: { github-ci: … } }`).
  const secret = underSecret || SECRET_KEY.test(key);
  if (typeof config === 'string') {
    const found: string[] = [];
    if (secret) found.push(config);
    for (const m of config.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/([^\s/@?#]+)@/gi))
      found.push(m[1], ...m[1].split(':').slice(1));
    for (const m of config.matchAll(SECRET_PARAM)) found.push(m[0].slice(m[1].length));
    return found;
  }
  if (Array.isArray(config)) return config.flatMap((v) => secretsInConfig(v, key, secret));
  if (config !== null && typeof config === 'object')
    return Object.entries(config).flatMap(([k, v]) => secretsInConfig(v, k, secret));
  return [];
}
