/** What counts as a secret, and that it is taken out before anything is cut. */
import { mapStrings, Redactor, urlCredentials } from '../../../src/domain/redact';
import { RateLimiter } from '../../../src/runbook/policies/limits';

describe('Redactor', () => {
  const r = new Redactor(['literal-secret-123456']);

  it('redacts known secrets, Slack and GitHub tokens, URL credentials and secret query values', () => {
    expect(r.text('a literal-secret-123456 b')).toBe('a [redacted] b');
    expect(r.text('xoxb-1-2-abcdefgh ghp_ABCDEFGHIJKLMNOPQRSTUV12 github_pat_11ABCDEFG0123456789_abcdef')).toBe(
      '[redacted] [redacted] [redacted]',
    );
    expect(r.text('GET https://deploy:hunter2@h.example/health?token=abc123&x=1 failed')).toBe(
      'GET https://[redacted]@h.example/health?token=[redacted]&x=1 failed',
    );
    expect(r.text('http://h/x?api_key=k1&sig=s2#access_token=t3')).toBe(
      'http://h/x?api_key=[redacted]&sig=[redacted]#access_token=[redacted]',
    );
    expect(r.text('nothing here: https://h.example/health?version=2')).toBe(
      'nothing here: https://h.example/health?version=2',
    );
  });

  it('redacts the cut-off start of a known secret where text was truncated', () => {
    expect(r.text('reason: xxxx literal-sec…')).toBe('reason: xxxx [redacted]…');
    expect(r.text('a harmless lite…')).toBe('a harmless [redacted]…');
    expect(r.text('short li…')).toBe('short li…');
  });

  it('redacts every string inside an object, keeping its shape', () => {
    expect(r.deep({ a: ['literal-secret-123456', 2], b: { c: 'x literal-secret-123456' }, d: null })).toEqual({
      a: ['[redacted]', 2],
      b: { c: 'x [redacted]' },
      d: null,
    });
  });
});

describe('urlCredentials', () => {
  it('finds the userinfo of URLs and the values of secret-looking query parameters, by their shape', () => {
    expect(urlCredentials('https://u:pw123456@h.example/health?token=qtoken99&version=2').sort()).toEqual(
      ['pw123456', 'qtoken99', 'u:pw123456'].sort(),
    );
    expect(urlCredentials('credentials-api token-service https://h.example/secrets?env=auth')).toEqual([]);
  });
});

describe('outgoing text escaped before it is redacted', () => {
  it("finds a secret in Slack's entities and in a JSON string's escapes", () => {
    const r = new Redactor(['p&ss<wo>rd', 'quo"te\\slash']);
    expect(r.text('*Reason:* p&amp;ss&lt;wo&gt;rd')).toBe('*Reason:* [redacted]');
    expect(r.text(JSON.stringify({ msg: 'quo"te\\slash' }))).toBe('{"msg":"[redacted]"}');
  });
});

describe('mapStrings', () => {
  it('maps every string of a payload and keeps its keys and shape', () => {
    expect(mapStrings({ type: 'section', n: 1, list: ['a', { b: 'c' }] }, (s) => s.toUpperCase())).toEqual({
      type: 'SECTION',
      n: 1,
      list: ['A', { b: 'C' }],
    });
  });
});

describe('RateLimiter', () => {
  it('allows `count` per window per key, and counts nothing it refuses', () => {
    const l = new RateLimiter(2, 1000);
    expect([l.take('a', 0), l.take('a', 10), l.take('a', 20), l.take('b', 20)]).toEqual([true, true, false, true]);
    // The refused call at 20 was not counted: at 1005 only the one at 10 is within the window.
    expect(l.take('a', 1005)).toBe(true);
    expect(l.take('a', 1006)).toBe(false);
    expect(l.take('a', 1011)).toBe(true);
  });
});
