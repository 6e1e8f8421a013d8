import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** Slack tokens look like this whatever their source; scrubbed even when we were not told about them. */
const TOKEN_PATTERN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{6,}/g;

/** Paths pino censors in objects (request headers, config echoes, WebClient options). */
const REDACT_PATHS = [
  'token',
  '*.token',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
  'signingSecret',
  '*.signingSecret',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  '*.SLACK_BOT_TOKEN',
  '*.SLACK_APP_TOKEN',
  '*.SLACK_SIGNING_SECRET',
];

export function scrub(line: string, secrets: readonly string[]): string {
  let out = line.replace(TOKEN_PATTERN, '[redacted]');
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * The one root logger. Besides pino's path redaction, every line is scrubbed of the secrets we know and of
 * anything shaped like a Slack token before it leaves the process: a secret inside an error message or a
 * library's debug string is caught too.
 */
export function createLogger(options: { level: string; secrets?: readonly string[]; destination?: NodeJS.WritableStream }): Logger {
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0);
  const target = options.destination ?? process.stdout;
  // A closed stdout (a pipe whose reader went away) must not take the bot down with it.
  if (target.listenerCount('error') === 0) target.on('error', () => undefined);
  const scrubbing = new Writable({
    write(chunk: Buffer, _enc, done) {
      target.write(scrub(chunk.toString('utf8'), secrets), () => done());
    },
  });
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'rollback-bot' },
      serializers: { err: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing,
  );
}
