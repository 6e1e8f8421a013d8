/** GitHub's compare API (SaaS) against nock at the HTTP boundary, with the documented response shape. */
import nock from 'nock';
import { GitHubCodeHost } from '../../../../src/adapters/github/github.code-host';

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
// nock patches Node's http module for the whole process: restore it, or later suites in the same run (the Docker
// engine over its unix socket among them) go through its interceptor.
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe('GitHubCodeHost', () => {
  const github = new GitHubCodeHost({
    apiUrl: 'https://api.github.com',
    repo: 'acme/shop',
    token: 'ghp_example',
    timeoutMs: 1000,
  });

  it('lists the files changed between two versions', async () => {
    nock('https://api.github.com', {
      reqheaders: { authorization: 'Bearer ghp_example', accept: 'application/vnd.github+json' },
    })
      .get('/repos/acme/shop/compare/v1...v2')
      .reply(200, {
        status: 'ahead',
        ahead_by: 3,
        files: [
          { filename: 'app/api.py', status: 'modified' },
          { filename: 'alembic/versions/0042_add_orders_index.py', status: 'added' },
        ],
      });
    expect(await github.changedFiles('v1', 'v2')).toEqual(['app/api.py', 'alembic/versions/0042_add_orders_index.py']);
  });

  it.each([
    [401, 'the token was refused'],
    [404, 'repository or version not found'],
  ])('explains HTTP %i', async (status, words) => {
    nock('https://api.github.com').get('/repos/acme/shop/compare/v1...v2').reply(status, { message: 'x' });
    await expect(github.changedFiles('v1', 'v2')).rejects.toMatchObject({
      code: 'CODE_HOST_FAILED',
      message: expect.stringContaining(words),
    });
  });
});
