/**
 * Secrets never leave the process. What counts as one:
 * - the values we were told are secrets: the Slack tokens, the signing secret, the database password, and the
 *   config's secret-bearing fields (listed by name from its schema in config/secrets.ts: never decided by a key the
 *   user chose, such as an environment called `credentials-api`);
 * - anything shaped like a Slack or GitHub token, wherever it comes from;
 * - credentials inside a URL: `https://user:pass@host`, and query values such as `?token=…` or `&key=…`.
 * Redaction is for what leaves the process (Slack messages, logs, tickets, PagerDuty, timelines), applied where it
 * leaves: never to the domain's objects, whose names, strategy and versions the logic reads.
 * Where text was already cut (it ends in `…`), a cut-off start of a known secret is redacted too.
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
/** Shorter values are too likely to occur by chance to be replaced everywhere. */
const MIN_SECRET_LENGTH = 6;
/** A cut-off start of a secret at least this long is redacted where text was truncated. */
const MIN_PREFIX = 4;

export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly string[] = []) {
    const known = secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
    // Outgoing text is escaped before it goes out (`&` as `&amp;` in Slack's mrkdwn, `"` as `\"` in a JSON log
    // line): the secret is looked for in those forms too. Longest first, so one that contains another goes whole.
    this.secrets = [...new Set(known.flatMap((s) => [s, ...escapedForms(s)]))].sort((a, b) => b.length - a.length);
  }

  text(input: string): string {
    let out = input;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    for (const p of TOKEN_PATTERNS) out = out.replace(p, REDACTED);
    out = out.replace(URL_USERINFO, `$1${REDACTED}@`).replace(SECRET_PARAM, `$1${REDACTED}`);
    return out.includes('…') ? this.cutPrefixes(out) : out;
  }

  /**
   * Every string inside an outgoing payload (Block Kit blocks, an alert), redacted; the shape is kept. Not for the
   * domain's objects: a rollback is rendered first, and what the renderer made is redacted.
   */
  deep<T>(value: T): T {
    return mapStrings(value, (s) => this.text(s));
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
 * The credentials a URL-bearing string holds, by their shape: the userinfo of every `scheme://user:pass@` (whole,
 * and the password alone) and the values of secret-looking query parameters. What the key holding the string is
 * called plays no part.
 */
export function urlCredentials(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/([^\s/@?#]+)@/gi))
    found.push(m[1], ...m[1].split(':').slice(1));
  for (const m of text.matchAll(SECRET_PARAM)) found.push(m[0].slice(m[1].length));
  return found;
}

/** `value` with every string inside it (objects, arrays) passed through `f`; keys and the shape are kept. */
export function mapStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  return value;
}

/** How a secret reads once outgoing text is escaped: Slack's mrkdwn (and HTML) entities, a JSON string's escapes. */
function escapedForms(secret: string): string[] {
  const entities = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const json = JSON.stringify(secret).slice(1, -1);
  return [entities, json].filter((form) => form !== secret);
}
