import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from 'pino';

const toPino: Record<LogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/**
 * The WebClient's warning for a call that got no answer names neither the host nor the call; loggedRetries
 * (slack-reach.ts) says it with both, so this one is kept for debugging only.
 */
const SAID_BETTER_ELSEWHERE = /^http request failed\b/;

/** Routes Bolt's and the WebClient's logging into the pino root, so there is one stream and one redaction. */
export function boltLogger(root: Logger): SlackLogger {
  let log = root.child({ component: 'slack' });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      const err = msg.find((m): m is Error => m instanceof Error);
      const text = msg
        .filter((m) => m !== err)
        .map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))
        .join(' ');
      const at = level === 'warn' && SAID_BETTER_ELSEWHERE.test(text) ? 'debug' : level;
      if (err) log[at]({ err }, text);
      else log[at](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: (level: LogLevel) => {
      log.level = toPino[level] ?? 'info';
    },
    getLevel: () =>
      (Object.entries(toPino).find(([, v]) => v === log.level)?.[0] as LogLevel | undefined) ?? LogLevel.INFO,
    setName: (name: string) => {
      log = root.child({ component: name });
    },
  };
}
