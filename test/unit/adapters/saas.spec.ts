/**
 * The adapters for what cannot run here — Prometheus' query API, PagerDuty's Events API v2, GitHub's compare API —
 * against nock at the HTTP boundary, with the documented request and response shapes.
 */
import nock from 'nock';
import { GitHubCodeHost } from '../../../src/adapters/github/github.code-host';
import { PagerDutyPager } from '../../../src/adapters/pagerduty/pagerduty.pager';
import { PrometheusMetricsSource } from '../../../src/adapters/prometheus/prometheus.metrics-source';

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

describe('PrometheusMetricsSource', () => {
  const prom = new PrometheusMetricsSource('http://prometheus.example:9090/', 300);
  const query = 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';

  it('reads the first sample of a vector', async () => {
    nock('http://prometheus.example:9090')
      .get('/api/v1/query')
      .query({ query })
      .reply(200, {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [1732600000.123, '0.1234'] }] },
      });
    expect(await prom.query(query)).toEqual({ value: 0.1234 });
  });

  it('reads a scalar', async () => {
    nock('http://prometheus.example:9090')
      .get('/api/v1/query')
      .query(true)
      .reply(200, { status: 'success', data: { resultType: 'scalar', result: [1732600000, '0.25'] } });
    expect(await prom.query('scalar(x)')).toEqual({ value: 0.25 });
  });

  it.each([
    [
      'no data',
      () =>
        nock('http://prometheus.example:9090')
          .get('/api/v1/query')
          .query(true)
          .reply(200, { status: 'success', data: { resultType: 'vector', result: [] } }),
      'Prometheus: no data',
    ],
    [
      'a query error',
      () =>
        nock('http://prometheus.example:9090')
          .get('/api/v1/query')
          .query(true)
          .reply(400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }),
      'Prometheus: parse error at char 5',
    ],
    [
      'NaN',
      () =>
        nock('http://prometheus.example:9090')
          .get('/api/v1/query')
          .query(true)
          .reply(200, {
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'NaN'] }] },
          }),
      'Prometheus: NaN',
    ],
    [
      'a slow server',
      () => nock('http://prometheus.example:9090').get('/api/v1/query').query(true).delay(2000).reply(200, {}),
      'Prometheus: no answer within 300 ms',
    ],
  ])('turns %s into unknown, with the reason', async (_what, mock, reason) => {
    mock();
    expect(await prom.query('x')).toEqual({ unknown: reason });
  });
});

describe('PrometheusMetricsSource, down', () => {
  it('says the connection was refused (a real closed port on 127.0.0.1)', async () => {
    nock.enableNetConnect('127.0.0.1');
    try {
      expect(await new PrometheusMetricsSource('http://127.0.0.1:1', 1000).query('up')).toEqual({
        unknown: 'Prometheus: connection refused',
      });
    } finally {
      nock.disableNetConnect();
    }
  });
});

describe('PagerDutyPager', () => {
  const pager = new PagerDutyPager({
    routingKey: 'R0UTINGKEY0000000000000000000000',
    eventsUrl: 'https://events.pagerduty.com/v2/enqueue',
    timeoutMs: 1000,
  });

  it('triggers with a dedup key and resolves with the same key (Events API v2)', async () => {
    const trigger = nock('https://events.pagerduty.com')
      .post('/v2/enqueue', {
        routing_key: 'R0UTINGKEY0000000000000000000000',
        event_action: 'trigger',
        dedup_key: 'rollback-rb-1',
        payload: {
          summary: 'Rollback of production failed at Step 3',
          source: 'rollback-bot/production',
          severity: 'critical',
          component: 'rollback-bot',
          custom_details: { card: 'https://x' },
        },
      })
      .reply(202, { status: 'success', message: 'Event processed', dedup_key: 'rollback-rb-1' });
    await pager.trigger({
      dedupKey: 'rollback-rb-1',
      summary: 'Rollback of production failed at Step 3',
      source: 'rollback-bot/production',
      details: { card: 'https://x' },
    });
    expect(trigger.isDone()).toBe(true);

    nock('https://events.pagerduty.com')
      .post('/v2/enqueue', {
        routing_key: 'R0UTINGKEY0000000000000000000000',
        event_action: 'resolve',
        dedup_key: 'rollback-rb-1',
      })
      .reply(202, { status: 'success', message: 'Event processed', dedup_key: 'rollback-rb-1' });
    await pager.resolve('rollback-rb-1');
  });

  it('reports a refusal with PagerDuty’s words', async () => {
    nock('https://events.pagerduty.com')
      .post('/v2/enqueue')
      .reply(400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['Length of routing_key is incorrect'],
      });
    await expect(pager.resolve('k')).rejects.toMatchObject({
      code: 'PAGER_FAILED',
      message: 'PagerDuty answered 400: Event object is invalid; Length of routing_key is incorrect',
    });
  });
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
