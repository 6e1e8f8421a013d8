/** Coded errors: a stable code and a sentence, the cause kept; settings problems all named at once. */
import { describeError, ErrorCode, isCoded, RollbackBotError, SettingsError } from '../../../src/domain/errors';

describe('RollbackBotError and isCoded', () => {
  it('carries its code and the original as cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new RollbackBotError(ErrorCode.DockerUnreachable, 'Docker is out of reach', { cause });
    expect(err).toMatchObject({ code: 'DOCKER_UNREACHABLE', message: 'Docker is out of reach', cause });
    expect(isCoded(err)).toBe(true);
    expect(isCoded(err, ErrorCode.DockerUnreachable)).toBe(true);
    expect(isCoded(err, ErrorCode.PagerFailed)).toBe(false);
    expect(isCoded(new Error('x'))).toBe(false);
    expect(isCoded({ code: 'DOCKER_UNREACHABLE' })).toBe(false);
  });
});

describe('SettingsError', () => {
  it('lists every problem, one per line in its message and on one line in its summary', () => {
    const err = new SettingsError('environment variables are invalid', ['PORT: bad', 'SLACK_BOT_TOKEN: required']);
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.message).toBe('environment variables are invalid:\n  PORT: bad\n  SLACK_BOT_TOKEN: required');
    expect(err.summary()).toBe('environment variables are invalid: PORT: bad; SLACK_BOT_TOKEN: required');
    const bare = new SettingsError('no config', []);
    expect([bare.message, bare.summary()]).toEqual(['no config', 'no config']);
  });
});

describe('describeError', () => {
  it('says anything thrown in one bounded line, without a stack', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(42)).toBe('42');
    const long = describeError(new Error('x'.repeat(600)));
    expect(long).toHaveLength(500);
    expect(long.endsWith('…')).toBe(true);
    expect(describeError(new Error('abcdef'), 4)).toBe('abc…');
  });
});
