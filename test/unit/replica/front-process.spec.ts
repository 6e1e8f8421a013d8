/**
 * The front process's start and stop, with the front, the fork and the token checks faked: bound first, tokens
 * asked before the work process is forked, a refused token is one line and exit code 2, Socket Mode connects only
 * once the work takes deliveries, and a signal stops the front, then the work.
 */
import pino from 'pino';
import { readEnv } from '../../../src/config/env';
import { createFront, type FrontOptions } from '../../../src/replica/front';
import { forkWork, linkToCurrent, type WorkProcess } from '../../../src/replica/ipc-link';
import { GRACE_MS } from '../../../src/replica/ipc-messages';
import { HARD_STOP_MS, runFront } from '../../../src/replica/front-process';
import { checkAppToken, checkBotToken, SlackTokenRefused } from '../../../src/slack/token-check';

jest.mock('../../../src/replica/front', () => ({ createFront: jest.fn() }));
jest.mock('../../../src/replica/ipc-link', () => ({
  ...jest.requireActual('../../../src/replica/ipc-link'),
  forkWork: jest.fn(),
}));
jest.mock('../../../src/slack/token-check', () => ({
  ...jest.requireActual('../../../src/slack/token-check'),
  checkBotToken: jest.fn(),
  checkAppToken: jest.fn(),
}));

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
const flush = () => new Promise((r) => setImmediate(r));
const HTTP = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
const SOCKET = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };

describe('runFront', () => {
  let steps: string[];
  let options: FrontOptions;
  let stderr: string[];
  let logged: string[];
  let handlers: Map<string, () => void>;
  let exited: (code: number | null) => void;
  let connect: () => Promise<void>;
  let hangStop: boolean;
  const logger = () => pino({ level: 'info' }, { write: (l: string) => void logged.push(JSON.parse(l).msg) });

  beforeEach(() => {
    steps = [];
    stderr = [];
    logged = [];
    handlers = new Map();
    connect = async () => void steps.push('connect');
    hangStop = false;
    jest.mocked(createFront).mockImplementation((_env, _logger, opts) => {
      options = opts;
      return {
        start: async () => (steps.push(`start (${opts.state()}: ${opts.startingReason?.()})`), 4321),
        connect: () => connect(),
        stop: () => (hangStop ? new Promise<void>(() => undefined) : (steps.push('front stop'), Promise.resolve())),
      };
    });
    jest.mocked(forkWork).mockImplementation(async (module, env) => {
      steps.push(`fork ${module} PORT=${env.PORT} (${options.startingReason?.()})`);
      return {
        link: { unavailable: () => null } as unknown as WorkProcess['link'],
        pid: 77,
        exited: new Promise<number | null>((resolve) => (exited = resolve)),
        stop: async (graceMs) => (steps.push(`work stop ${graceMs}`), 0),
      };
    });
    jest.mocked(checkBotToken).mockImplementation(async () => {
      steps.push(`check bot token (${options.startingReason?.()})`);
      return { kind: 'accepted', botUserId: 'U0BOT', team: 'T1' };
    });
    jest.mocked(checkAppToken).mockImplementation(async () => {
      steps.push('check app token');
      return { kind: 'accepted', botUserId: 'U0BOT', team: 'T1' };
    });
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => {
      stderr.push(String(s));
      return true;
    });
    jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Exit(code);
    }) as never);
    jest.spyOn(process, 'on').mockImplementation(((event: string, listener: () => void) => {
      handlers.set(event, listener);
      return process;
    }) as typeof process.on);
  });
  afterEach(() => jest.restoreAllMocks());

  it('binds first, asks about the tokens, forks the work with the bound port, then connects and serves', async () => {
    await runFront(readEnv(SOCKET), logger(), '/app/main.js');
    expect(steps).toEqual([
      'start (starting: checking the Slack tokens)',
      'check bot token (checking the Slack tokens)',
      'check app token',
      'fork /app/main.js PORT=4321 (work process starting)',
      'connect',
    ]);
    expect(options.state()).toBe('serving');
    expect(options.link).toEqual(expect.objectContaining({ unavailable: expect.any(Function) }));
    expect(logged).toContain('taking Slack requests');
  });

  it('in HTTP mode asks about the bot token only', async () => {
    await runFront(readEnv(HTTP), logger(), 'main.js');
    expect(steps.filter((s) => s.startsWith('check'))).toEqual(['check bot token (checking the Slack tokens)']);
  });

  it('refuses to start, in one line with exit code 2, when Slack refuses the bot token: nothing is forked', async () => {
    jest.mocked(checkBotToken).mockResolvedValue({ kind: 'refused', error: 'invalid_auth' });
    await expect(runFront(readEnv(HTTP), logger(), 'main.js')).rejects.toEqual(new Exit(2));
    expect(stderr).toEqual([
      'rollback-bot: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the token again from the app\'s settings page (README "Slack app setup")\n',
    ]);
    expect(steps.filter((s) => s.startsWith('fork'))).toEqual([]);
  });

  it('starts anyway, saying so, when Slack cannot be reached to ask', async () => {
    jest.mocked(checkBotToken).mockResolvedValue({ kind: 'unreachable', reason: 'cannot reach slack.com (auth.test)' });
    await runFront(readEnv(HTTP), logger(), 'main.js');
    expect(logged).toContain('could not check SLACK_BOT_TOKEN: cannot reach slack.com (auth.test); starting anyway');
    expect(options.state()).toBe('serving');
  });

  it('stops with exit code 2 when Slack refuses the app token on connecting', async () => {
    connect = async () => {
      throw new SlackTokenRefused('SLACK_APP_TOKEN', 'token_revoked');
    };
    await expect(runFront(readEnv(SOCKET), logger(), 'main.js')).rejects.toEqual(new Exit(2));
    expect(stderr[0]).toMatch(/^rollback-bot: Slack refused SLACK_APP_TOKEN \(token_revoked\)/);
  });

  it('stops the replica when the work process exits on its own', async () => {
    await runFront(readEnv(HTTP), logger(), 'main.js');
    const exits: number[] = [];
    jest.mocked(process.exit).mockImplementation(((code: number) => void exits.push(code)) as never);
    exited(3);
    await flush();
    expect(exits).toEqual([1]);
    expect(logged).toContain('the work process exited; this replica stops (Slack retries what it could not take)');
  });

  it('on SIGTERM stops the front, then the work with its grace, and exits with the work’s code', async () => {
    await runFront(readEnv(HTTP), logger(), 'main.js');
    const exits: number[] = [];
    jest.mocked(process.exit).mockImplementation(((code: number) => void exits.push(code)) as never);
    // The hard stop is a real timer that would end this very process: faked here, and cleared.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      handlers.get('SIGTERM')?.();
      handlers.get('SIGINT')?.(); // a second signal changes nothing
      await flush();
      expect(steps.slice(-2)).toEqual(['front stop', `work stop ${GRACE_MS}`]);
      expect(exits).toEqual([0]);
      expect(options.state()).toBe('stopping');
      // The work process exiting now is the stop going as planned, not a crash.
      exited(0);
      await flush();
      expect(exits).toEqual([0]);
    } finally {
      jest.clearAllTimers();
      jest.useRealTimers();
    }
  });

  it('exits with code 1 after HARD_STOP_MS when stopping hangs', async () => {
    await runFront(readEnv(HTTP), logger(), 'main.js');
    const exits: number[] = [];
    jest.mocked(process.exit).mockImplementation(((code: number) => void exits.push(code)) as never);
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      hangStop = true;
      handlers.get('SIGTERM')?.();
      await flush();
      jest.advanceTimersByTime(HARD_STOP_MS - 1);
      expect(exits).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(exits).toEqual([1]);
    } finally {
      jest.clearAllTimers();
      jest.useRealTimers();
    }
  });

  it('uses the link to whichever work process runs now', () => {
    expect(linkToCurrent(() => undefined).unavailable()).toBe('the work process is not running');
  });
});
