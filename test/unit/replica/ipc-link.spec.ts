/**
 * The front's end of the IPC link, over an in-memory channel whose other end the test plays: requests matched to
 * answers by id and bounded in time, and a work process that is silent, gone or behind turns Slack away.
 */
import pino from 'pino';
import {
  ipcLink,
  linkToCurrent,
  MAX_UNTAKEN,
  REPLY_TIMEOUT_MS,
  SILENT_MS,
  started,
} from '../../../src/replica/ipc-link';
import type { FromWork, ToWork } from '../../../src/replica/ipc-messages';
import { serveFront } from '../../../src/replica/ipc-serve';
import type { WorkLink } from '../../../src/replica/work-link';
import { channelPair, disconnect } from '../../support/ipc-channels';

const silent = pino({ level: 'silent' });

function setUp() {
  const pair = channelPair<ToWork, FromWork>();
  let exit: (code: number | null) => void = () => undefined;
  const exited = new Promise<number | null>((resolve) => (exit = resolve));
  const toWork: ToWork[] = [];
  pair.work.on('message', (m) => toWork.push(m));
  const link = ipcLink(pair.front, exited, silent);
  return { pair, link, toWork, exit, exited };
}

it("forwards a delivery, and waits for the listener's answer only when it travels in the ack", async () => {
  const { pair, link, toWork } = setUp();
  await expect(link.forward({ body: { command: '/rollback' } })).resolves.toBeUndefined();
  const answer = link.forward({ body: { type: 'view_submission' } });
  await new Promise((r) => setImmediate(r));
  const asked = toWork[1] as Extract<ToWork, { kind: 'event' }>;
  expect(toWork[0]).toEqual({ kind: 'event', id: 0, event: { body: { command: '/rollback' } }, answer: false });
  expect(asked).toMatchObject({ kind: 'event', answer: true });
  pair.work.send({ kind: 'answer', id: asked.id, answer: { response_action: 'clear' } });
  await expect(answer).resolves.toEqual({ response_action: 'clear' });
});

it("carries readiness, metrics and API requests to the work process's serving end and back", async () => {
  const { pair, link } = setUp();
  serveFront(
    {
      logger: silent,
      deliver: () => Promise.resolve(undefined),
      ready: () => Promise.reject(new Error('the Docker engine does not answer')),
      metrics: () => Promise.resolve([]),
      api: (r) => Promise.resolve({ status: 423, body: { path: r.path } }),
    },
    () => undefined,
    pair.work,
  );
  await expect(link.ready()).rejects.toThrow('the Docker engine does not answer');
  await expect(link.metrics()).resolves.toEqual([]);
  await expect(link.api({ method: 'GET', path: '/api/v1/p', remote: '127.0.0.1' })).resolves.toEqual({
    status: 423,
    body: { path: '/api/v1/p' },
  });
});

it('gives up on a request the work process does not answer, and on every pending one when it exits', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  try {
    const { link, exit } = setUp();
    const ready = expect(link.ready()).rejects.toThrow(`the work process did not answer within ${REPLY_TIMEOUT_MS} ms`);
    await jest.advanceTimersByTimeAsync(REPLY_TIMEOUT_MS);
    await ready;
    const metrics = link.metrics();
    exit(1);
    await expect(metrics).rejects.toThrow('the work process exited');
  } finally {
    jest.useRealTimers();
  }
});

it('turns Slack away while the work process is silent, and takes it again once it is heard', async () => {
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
  try {
    const { pair, link } = setUp();
    expect(link.unavailable()).toBeNull();
    await jest.advanceTimersByTimeAsync(SILENT_MS + 1000);
    expect(link.unavailable()).toBe('the work process has not answered for 6 s');
    expect(link.forward({ body: {} })).toBeNull();
    pair.work.send({ kind: 'beat', taken: 0 });
    await new Promise((r) => setImmediate(r));
    expect(link.unavailable()).toBeNull();
  } finally {
    jest.useRealTimers();
  }
});

it('turns Slack away while too many acknowledged deliveries wait for the work process to take them', async () => {
  const { pair, link } = setUp();
  for (let i = 0; i < MAX_UNTAKEN; i += 1) expect(link.forward({ body: {} })).not.toBeNull();
  expect(link.unavailable()).toBe(`the work process has not taken ${MAX_UNTAKEN} deliveries yet`);
  pair.work.send({ kind: 'beat', taken: MAX_UNTAKEN });
  await new Promise((r) => setImmediate(r));
  expect(link.unavailable()).toBeNull();
});

it('takes a burst of 500 deliveries within one heartbeat (the work process says what it took once a second)', () => {
  // The ack bench's burst: 500 signed requests, 50 at a time, acknowledged before the next beat can count them.
  const { link } = setUp();
  for (let i = 0; i < 500; i += 1) expect(link.forward({ body: {} })).not.toBeNull();
  expect(link.unavailable()).toBeNull();
});

it('says the work process is gone once the channel closes', () => {
  const { pair, link } = setUp();
  disconnect(pair);
  expect(link.unavailable()).toBe('the work process is gone');
});

describe('started', () => {
  it('resolves when the work process says it has started, and rejects when it exits first', async () => {
    const up = channelPair<ToWork, FromWork>();
    const starting = started(up.front, new Promise(() => undefined));
    up.work.send({ kind: 'beat', taken: 0 });
    up.work.send({ kind: 'started' });
    await expect(starting).resolves.toBeUndefined();
    const down = channelPair<ToWork, FromWork>();
    await expect(started(down.front, Promise.resolve(3))).rejects.toThrow(
      'the work process exited with 3 while starting',
    );
  });
});

describe('linkToCurrent', () => {
  it('says "not running" while there is no work process, and speaks to the current one once there is', async () => {
    const work: { current?: WorkLink } = {};
    const link = linkToCurrent(() => work.current);
    expect(link.unavailable()).toBe('the work process is not running');
    expect(link.forward({ body: {} })).toBeNull();
    await expect(link.ready()).rejects.toThrow('the work process is not running');
    await expect(link.metrics()).rejects.toThrow('the work process is not running');
    await expect(link.api({ method: 'GET', path: '/api/v1/x', remote: 'r' })).rejects.toThrow('not running');
    work.current = {
      forward: () => Promise.resolve('handed'),
      unavailable: () => null,
      ready: () => Promise.resolve(),
      metrics: () => Promise.resolve([]),
      api: () => Promise.resolve({ status: 200, body: {} }),
    };
    expect(link.unavailable()).toBeNull();
    await expect(link.forward({ body: {} })).resolves.toBe('handed');
    await expect(link.ready()).resolves.toBeUndefined();
  });
});
