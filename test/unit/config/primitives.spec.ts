/** The schema's building blocks the strategies share: http(s) URLs, a GitHub repository, Step 3's own time limit. */
import { z } from 'zod';
import { githubRepo, httpUrl, stepTimeoutMs } from '../../../src/config/primitives';

describe('httpUrl', () => {
  it('takes http and https URLs only', () => {
    expect(httpUrl.parse('https://api.example.com/x')).toBe('https://api.example.com/x');
    expect(httpUrl.parse('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    for (const bad of ['file:///etc/passwd', 'ftp://x', 'not a url'])
      expect(httpUrl.safeParse(bad).error?.issues[0].message).toBe('an http(s) URL');
  });
});

describe('githubRepo', () => {
  const schema = z.object(githubRepo).strict();
  it('needs owner/name and a token, and defaults the API to github.com', () => {
    expect(schema.parse({ repo: 'acme/shop', token: 't' })).toEqual({
      repo: 'acme/shop',
      token: 't',
      api_url: 'https://api.github.com',
    });
    expect(schema.safeParse({ repo: 'acme', token: 't' }).error?.issues[0].message).toBe('owner/name');
    expect(schema.safeParse({ repo: 'acme/shop', token: '' }).success).toBe(false);
  });
});

describe('stepTimeoutMs', () => {
  it('is optional, whole milliseconds between one second and six hours', () => {
    expect(stepTimeoutMs.parse(undefined)).toBeUndefined();
    expect(stepTimeoutMs.parse(60_000)).toBe(60_000);
    for (const bad of [999, 6 * 3_600_000 + 1, 1500.5]) expect(stepTimeoutMs.safeParse(bad).success).toBe(false);
  });
});
