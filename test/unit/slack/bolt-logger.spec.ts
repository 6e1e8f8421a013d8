/** Bolt's and the WebClient's logging routed into the pino root: levels, errors, names, and one warning said better elsewhere. */
import { LogLevel } from '@slack/logger';
import pino from 'pino';
import { boltLogger } from '../../../src/slack/bolt-logger';

function capture() {
  const lines: Array<{ level: number; msg: string; component: string; err?: { message: string } }> = [];
  const root = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { log: boltLogger(root), lines };
}

describe('boltLogger', () => {
  it('writes each level to pino under the slack component, joining the parts and keeping an Error as err', () => {
    const { log, lines } = capture();
    log.info('socket', { state: 'open' });
    log.error(new Error('boom'), 'while acking');
    expect(lines.map((l) => [l.level, l.component, l.msg])).toEqual([
      [30, 'slack', 'socket {"state":"open"}'],
      [50, 'slack', 'while acking'],
    ]);
    expect(lines[1].err?.message).toBe('boom');
  });

  it('keeps the WebClient’s "http request failed" warning for debugging only', () => {
    const { log, lines } = capture();
    log.warn('http request failed connect ECONNREFUSED');
    log.warn('rate limited');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [20, 'http request failed connect ECONNREFUSED'],
      [40, 'rate limited'],
    ]);
  });

  it('sets and reports its level in Slack’s terms, and takes a name as its component', () => {
    const { log, lines } = capture();
    log.setLevel(LogLevel.WARN);
    expect(log.getLevel()).toBe(LogLevel.WARN);
    log.info('hidden');
    log.setName('socket-mode');
    log.setLevel(LogLevel.DEBUG);
    log.debug('shown');
    expect(lines.map((l) => [l.component, l.msg])).toEqual([['socket-mode', 'shown']]);
  });
});
