/**
 * GitHub Deployments against a stand-in GitHub (nock): the installation token on every call, the request bodies,
 * and the deployment of the version rolled back from found by its tag or its commit.
 */
import nock from 'nock';
import { GitHubApp } from '../../../../src/adapters/github/github.app';
import { environmentPage, GitHubDeployments } from '../../../../src/adapters/github/github.deployments';
import { fakeGitHubApp } from '../../../support/fake-github-app';

const API = 'https://api.github.example';
const R = '/repos/acme/shop';
const gh = fakeGitHubApp(API);
const app = new GitHubApp({
  appId: gh.appId,
  privateKey: gh.privateKey,
  apiUrl: API,
  timeoutMs: 300,
  installationId: 5,
});
const deployments = new GitHubDeployments({
  apiUrl: API,
  repo: 'acme/shop',
  timeoutMs: 300,
  token: () => app.tokenFor('acme/shop'),
});

beforeAll(async () => {
  nock.disableNetConnect();
  // One installation token for the whole file: auth-app keeps it, and the stand-in checks it on every call.
  gh.serveTokens(5);
  await app.tokenFor('acme/shop');
});
afterEach(() => {
  nock.abortPendingRequests();
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

/** A stand-in route that refuses any call without an installation token and keeps the bodies it took. */
function route(method: 'post' | 'get', path: string, status: number, reply: unknown, bodies: unknown[] = []) {
  const scope = nock(API);
  const interceptor = method === 'post' ? scope.post(path) : scope.get(path).query(true);
  return interceptor.reply(function (_uri, body) {
    if (!gh.tokenValid(this.req.headers.authorization as string)) return [401, { message: 'Bad credentials' }];
    bodies.push(body);
    return [status, reply];
  });
}

it('creates a deployment of a ref, moves it, and marks another inactive, with the installation token each time', async () => {
  const bodies: unknown[] = [];
  route('post', `${R}/deployments`, 201, { id: 900 }, bodies);
  route('post', `${R}/deployments/900/statuses`, 201, {}, bodies);
  route('post', `${R}/deployments/800/statuses`, 201, {}, bodies);
  const created = await deployments.create({
    ref: 'abc1234',
    environment: 'production',
    description: 'Rollback rb-1 to v1',
    payload: { rollback: { id: 'rb-1' } },
  });
  expect(created).toEqual({ id: 900, url: 'https://api.github.example/acme/shop/deployments/production' });
  await deployments.setState(900, 'in_progress', {
    description: 'Rolling back',
    link: 'https://slack.com/archives/C1/p1',
  });
  await deployments.setState(800, 'inactive', { description: 'Rolled back' });
  expect(bodies).toEqual([
    {
      ref: 'abc1234',
      environment: 'production',
      description: 'Rollback rb-1 to v1',
      payload: { rollback: { id: 'rb-1' } },
      task: 'deploy:rollback',
      auto_merge: false,
      required_contexts: [],
    },
    {
      state: 'in_progress',
      description: 'Rolling back',
      log_url: 'https://slack.com/archives/C1/p1',
      auto_inactive: false,
    },
    { state: 'inactive', description: 'Rolled back', auto_inactive: false },
  ]);
});

it('finds the newest deployment of a version by its tag or a prefix of its commit, never our own', async () => {
  const list = [
    { id: 900, ref: 'v2', sha: 'ffff' },
    { id: 850, ref: 'main', sha: 'abcdef0123456789' },
    { id: 800, ref: 'v2', sha: '1111' },
  ];
  route('get', `${R}/deployments`, 200, list);
  route('get', `${R}/deployments`, 200, list);
  route('get', `${R}/deployments`, 200, list);
  expect(await deployments.latest('production', ['abcdef0', 'v2'], 900)).toBe(850);
  expect(await deployments.latest('production', ['v2'], 900)).toBe(800);
  expect(await deployments.latest('production', ['v9'], 900)).toBeNull();
});

it("turns GitHub's refusal into a sentence", async () => {
  route('post', `${R}/deployments`, 422, { message: 'No ref found for: v1' });
  await expect(
    deployments.create({ ref: 'v1', environment: 'production', description: 'x', payload: {} }),
  ).rejects.toMatchObject({
    code: 'CODE_HOST_FAILED',
    message: expect.stringMatching(/HTTP 422.*No ref found for: v1/),
  });
});

it('gives up within the timeout', async () => {
  nock(API).post(`${R}/deployments/1/statuses`).delay(2000).reply(201, {});
  await expect(deployments.setState(1, 'success', { description: 'x' })).rejects.toMatchObject({
    message: expect.stringMatching(/no answer within 300 ms/),
  });
});

it("links github.com's page for github.com, and a GitHub Enterprise Server's own", () => {
  expect(environmentPage('https://api.github.com', 'a/b', 'prod eu')).toBe(
    'https://github.com/a/b/deployments/prod%20eu',
  );
  expect(environmentPage('https://ghe.example/api/v3', 'a/b', 'p')).toBe('https://ghe.example/a/b/deployments/p');
});
