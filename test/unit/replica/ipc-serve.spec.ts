/** The work process's end of the IPC link: deliveries run, requests answered, a heartbeat, a stop passed on. */
import pino from 'pino';
import type { FromWork, ToWork } from '../../../src/replica/ipc-messages';
import { HEARTBEAT_MS } from '../../../src/replica/ipc-messages';
import { serveFront } from '../../../src/replica/ipc-serve';
import type { ForwardedEvent, WorkSide } from '../../../src/replica/work-link';
import { channelPair } from '../../support/ipc-channels';

function setUp(over: Partial<WorkSide> = {}) {
  const pair = channelPair<ToWork, FromWork>();
  const delivered: ForwardedEvent[] = [];
  const stops: number[] = [];
  const work: WorkSide = {
    logger: pino({ level: 'silent' }),
    deliver: (e) => {
      delivered.push(e);
      return Promise.resolve({ response_action: 'clear' });
    },
    ready: () => Promise.resolve(),
    metrics: () => Promise.reject(new Error('registry broken')),
    api: () => Promise.reject(new Error('handler threw')),
    ...over,
  };
  const heard: FromWork[] = [];
  pair.front.on('message', (m) => heard.push(m));
  serveFront(work, (graceMs) => stops.push(graceMs), pair.work);
  return { pair, delivered, stops, heard };
}

const turn = () => new Promise((r) => setImmediate(r));
const settle = async () => {
  for (let i = 0; i < 5; i += 1) await turn();
};

it('says it has started, runs deliveries, and answers only those answered in the ack', async () => {
  const { pair, delivered, heard } = setUp();
  await settle();
  expect(heard).toEqual([{ kind: 'started' }]);
  pair.front.send({ kind: 'event', id: 0, event: { body: { command: '/rollback' } }, answer: false });
  pair.front.send({ kind: 'event', id: 7, event: { body: { type: 'view_submission' } }, answer: true });
  await settle();
  expect(delivered.map((e) => e.body)).toEqual([{ command: '/rollback' }, { type: 'view_submission' }]);
  expect(heard.slice(1)).toEqual([{ kind: 'answer', id: 7, answer: { response_action: 'clear' } }]);
});

it("answers readiness with the work side's reason, and a failed metrics or API request in a form the front reads", async () => {
  const { pair, heard } = setUp({ ready: () => Promise.reject(new Error('the store does not answer')) });
  pair.front.send({ kind: 'ready', id: 1 });
  pair.front.send({ kind: 'metrics', id: 2 });
  pair.front.send({ kind: 'api', id: 3, request: { method: 'GET', path: '/api/v1/x', remote: '127.0.0.1' } });
  await settle();
  expect(heard.slice(1)).toEqual(
    expect.arrayContaining([
      { kind: 'ready', id: 1, error: 'the store does not answer' },
      { kind: 'answer', id: 2, answer: [] },
      { kind: 'answer', id: 3, answer: { status: 500, body: { error: 'internal' } } },
    ]),
  );
  expect(heard).toHaveLength(4);
});

it('beats with the count of deliveries taken, and passes a stop on with its grace', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  try {
    const { pair, stops, heard } = setUp();
    pair.front.send({ kind: 'event', id: 0, event: { body: {} }, answer: false });
    await settle();
    await jest.advanceTimersByTimeAsync(HEARTBEAT_MS);
    await settle();
    expect(heard).toContainEqual({ kind: 'beat', taken: 1 });
    pair.front.send({ kind: 'stop', graceMs: 8000 });
    await settle();
    expect(stops).toEqual([8000]);
  } finally {
    jest.useRealTimers();
  }
});
