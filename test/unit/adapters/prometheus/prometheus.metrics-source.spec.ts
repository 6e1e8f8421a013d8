/** Prometheus' query API (cannot run here) against nock at the HTTP boundary, with the documented response shapes. */
import nock from 'nock';
import { PrometheusMetricsSource } from '../../../../src/adapters/prometheus/prometheus.metrics-source';

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
