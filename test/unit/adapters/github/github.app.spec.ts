/**
 * The bot as a GitHub App against a stand-in GitHub (nock at the HTTP boundary) that checks the App's JWT against its
 * public key, and the installation token on the protection rule's answer and its body.
 */
import nock from 'nock';
import { GitHubApp } from '../../../../src/adapters/github/github.app';
import { fakeGitHubApp } from '../../../support/fake-github-app';

const API = 'https://api.github.example';
const CALLBACK = `${API}/repos/acme/shop/actions/runs/77/deployment_protection_rule`;
const gh = fakeGitHubApp(API);
const app = (extra: Partial<ConstructorParameters<typeof GitHubApp>[0]> = {}) =>
  new GitHubApp({ appId: gh.appId, privateKey: gh.privateKey, apiUrl: API, timeoutMs: 300, ...extra });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.abortPendingRequests();
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error & { code?: string },
  );

it('answers a protection rule with an installation token got with a JWT signed by the App key', async () => {
  gh.serveTokens(9);
  const bodies: unknown[] = [];
  nock(API)
    .post('/repos/acme/shop/actions/runs/77/deployment_protection_rule')
    .reply(function (_uri, body) {
      if (!gh.tokenValid(this.req.headers.authorization as string)) return [401, { message: 'Bad credentials' }];
      bodies.push(body);
      return [204];
    });
  await app().answer({
    callbackUrl: CALLBACK,
    installationId: 9,
    environment: 'production',
    state: 'rejected',
    comment: 'production was rolled back',
  });
  expect(bodies).toEqual([
    { environment_name: 'production', state: 'rejected', comment: 'production was rolled back' },
  ]);
});

it('keeps the installation token for the next answer instead of asking for a new one', async () => {
  gh.serveTokens(10);
  const seen: string[] = [];
  nock(API)
    .post('/repos/acme/shop/actions/runs/77/deployment_protection_rule')
    .times(2)
    .reply(function () {
      seen.push(this.req.headers.authorization as string);
      return gh.tokenValid(this.req.headers.authorization as string) ? [204] : [401];
    });
  const a = app();
  const review = {
    callbackUrl: CALLBACK,
    installationId: 10,
    environment: 'e',
    state: 'approved' as const,
    comment: '',
  };
  await a.answer(review);
  await a.answer(review);
  expect(new Set(seen).size).toBe(1);
});

it('is refused by the stand-in with a key that is not the App key, and says so', async () => {
  gh.serveTokens(11);
  const other = fakeGitHubApp(API, gh.appId);
  const err = await failure(
    app({ privateKey: other.privateKey }).answer({
      callbackUrl: CALLBACK,
      installationId: 11,
      environment: 'e',
      state: 'approved',
      comment: '',
    }),
  );
  expect(err.code).toBe('CODE_HOST_FAILED');
  expect(err.message).toMatch(/HTTP 401, the App was refused/);
});

it('never sends the token to a callback that is not a protection-rule callback of the configured GitHub', async () => {
  const before = gh.tokens.length;
  for (const callbackUrl of [
    'https://evil.example/repos/acme/shop/actions/runs/77/deployment_protection_rule',
    `${API}/repos/acme/shop/issues`,
    `${API}.evil.example/repos/acme/shop/actions/runs/77/deployment_protection_rule`,
  ]) {
    const err = await failure(
      app().answer({ callbackUrl, installationId: 9, environment: 'e', state: 'approved', comment: '' }),
    );
    expect(err.message).toMatch(/not a protection-rule callback/);
  }
  // No token was even asked for (nock refuses any request it was not given, and none was).
  expect(gh.tokens.length).toBe(before);
});

it('gives up on a GitHub that does not answer within the timeout', async () => {
  nock(API).post('/app/installations/12/access_tokens').delay(2000).reply(201, { token: 'late' });
  const err = await failure(
    app().answer({ callbackUrl: CALLBACK, installationId: 12, environment: 'e', state: 'approved', comment: '' }),
  );
  expect(err.code).toBe('CODE_HOST_FAILED');
  expect(err.message).toMatch(/no answer within 300 ms/);
});

it('finds the installation of a repository with the JWT when none is configured, once', async () => {
  let lookups = 0;
  nock(API)
    .get('/repos/acme/shop/installation')
    .reply(function () {
      lookups++;
      return gh.jwtValid(this.req.headers.authorization as string) ? [200, { id: 31 }] : [401, {}];
    });
  gh.serveTokens(31);
  const a = app();
  const token = await a.tokenFor('acme/shop');
  expect(await a.tokenFor('acme/shop')).toBe(token);
  expect(gh.tokens).toContain(token);
  expect(lookups).toBe(1);
});

it('uses the configured installation without asking GitHub which one', async () => {
  gh.serveTokens(44);
  const token = await app({ installationId: 44 }).tokenFor('acme/shop');
  expect(token).toMatch(/^ghs_44_/);
});
