import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { Redactor } from './domain/redact';

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

/**
 * The one root logger. Besides pino's path redaction, every line is scrubbed of the secrets we know and of
 * anything shaped like a Slack token before it leaves the process: a secret inside an error message or a
 * library's debug string is caught too.
 */
export function createLogger(options: {
  level: string;
  secrets?: readonly string[];
  destination?: NodeJS.WritableStream;
}): Logger {
  const redactor = new Redactor(
    (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length > 0),
  );
  const target = options.destination ?? process.stdout;
  // A closed stdout (a pipe whose reader went away) must not take the bot down with it.
  if (target.listenerCount('error') === 0) target.on('error', () => undefined);
  const scrubbing = new Writable({
    write(chunk: Buffer, _enc, done) {
      target.write(redactor.text(chunk.toString('utf8')), () => done());
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
