/** The one route table: a request's purpose by its normalised path and method, for both receivers. */
import { listeningLine, routeOf } from '../../../src/replica/routes';

describe('routeOf', () => {
  it.each([
    ['/slack/events', { kind: 'events', url: '/slack/events' }],
    ['//slack/./events/', { kind: 'events', url: '/slack/events' }],
    ['/slack/%65vents?x=1&y=2', { kind: 'events', url: '/slack/events?x=1&y=2' }],
    ['/slack/x/../events', { kind: 'events', url: '/slack/events' }],
  ])('takes POST %s as the events endpoint, however it is spelled', (url, route) => {
    expect(routeOf('POST', url)).toEqual(route);
  });

  it.each([
    ['/healthz', 'healthz'],
    ['/readyz/', 'readyz'],
    ['/metrics', 'metrics'],
  ])('answers GET and HEAD on %s', (url, kind) => {
    expect(routeOf('GET', url)).toEqual({ kind });
    expect(routeOf('HEAD', url)).toEqual({ kind });
  });

  it('names the methods a known path takes when another is used', () => {
    expect(routeOf('GET', '/slack/events')).toEqual({ kind: 'method', allow: 'POST' });
    expect(routeOf('POST', '/healthz')).toEqual({ kind: 'method', allow: 'GET, HEAD' });
    expect(routeOf('DELETE', '/metrics')).toEqual({ kind: 'method', allow: 'GET, HEAD' });
    expect(routeOf(undefined, '/readyz')).toEqual({ kind: 'method', allow: 'GET, HEAD' });
  });

  it('hands the API its path decoded once and normalised, for any method', () => {
    expect(routeOf('GET', '/api/v1//environments/prod/./deploy-gate?x=1')).toEqual({
      kind: 'api',
      path: '/api/v1/environments/prod/deploy-gate',
    });
    expect(routeOf('PUT', '/api/v1/environments/%2541')).toEqual({ kind: 'api', path: '/api/v1/environments/%41' });
  });

  it('tells a malformed %-escape from a path nobody serves', () => {
    expect(routeOf('GET', '/api/v1/%ZZ')).toEqual({ kind: 'malformed' });
    expect(routeOf('GET', '/')).toEqual({ kind: 'none' });
    expect(routeOf('GET', undefined)).toEqual({ kind: 'none' });
    expect(routeOf('GET', '/slack/events2')).toEqual({ kind: 'none' });
    expect(routeOf('GET', '/api/v1')).toEqual({ kind: 'none' });
  });
});

describe('listeningLine', () => {
  it('says where the front listens and what it answers there', () => {
    expect(listeningLine(undefined, 3000, { socketMode: false, metrics: true })).toBe(
      'listening on http://0.0.0.0:3000 — POST /slack/events, GET /healthz /readyz /metrics, /api/v1/…',
    );
  });

  it('leaves the events route out in Socket Mode, brackets an IPv6 host, and says how to turn /metrics on', () => {
    expect(listeningLine('::1', 8080, { socketMode: true, metrics: false })).toBe(
      'listening on http://[::1]:8080 — GET /healthz /readyz /metrics, /api/v1/… ' +
        '(/metrics is off: set ROLLBACK_METRICS_TOKEN)',
    );
    expect(listeningLine('::', 1, { socketMode: true, metrics: true })).toMatch(/^listening on http:\/\/0\.0\.0\.0:1 /);
  });
});
