/** PagerDuty's Events API v2 (SaaS) against nock at the HTTP boundary, with the documented request shape. */
import nock from 'nock';
import { PagerDutyPager } from '../../../../src/adapters/pagerduty/pagerduty.pager';

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
