/** The in-process link: every call reaches the work side as it is, and nothing ever counts as unavailable. */
import pino from 'pino';
import { directLink } from '../../../src/replica/direct-link';
import type { ForwardedEvent, WorkSide } from '../../../src/replica/work-link';

it('carries deliveries, readiness, metrics and API requests straight to the work side', async () => {
  const delivered: ForwardedEvent[] = [];
  const work: WorkSide = {
    logger: pino({ level: 'silent' }),
    deliver: (e) => {
      delivered.push(e);
      return Promise.resolve({ response_action: 'clear' });
    },
    ready: () => Promise.reject(new Error('the store does not answer')),
    metrics: () => Promise.resolve([{ name: 'm', help: 'h', type: 'counter', values: [], aggregator: 'sum' }] as never),
    api: (r) => Promise.resolve({ status: 200, body: { path: r.path } }),
  };
  const link = directLink(work);
  expect(link.unavailable()).toBeNull();
  await expect(link.forward({ body: { type: 'view_submission' } })).resolves.toEqual({ response_action: 'clear' });
  expect(delivered).toEqual([{ body: { type: 'view_submission' } }]);
  await expect(link.ready()).rejects.toThrow('the store does not answer');
  await expect(link.metrics()).resolves.toHaveLength(1);
  await expect(link.api({ method: 'GET', path: '/api/v1/x', remote: '127.0.0.1' })).resolves.toEqual({
    status: 200,
    body: { path: '/api/v1/x' },
  });
});
