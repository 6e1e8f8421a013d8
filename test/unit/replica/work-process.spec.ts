/**
 * The work process's life, with its serving end and `process` faked: it starts the work, stops it once (gracefully on
 * the front's 'stop' or SIGTERM), and stops at once when the front is gone.
 */
import pino from 'pino';
import { GRACE_MS } from '../../../src/replica/ipc-messages';
import { runWork, type StoppableWork } from '../../../src/replica/work-process';
import { serveFront } from '../../../src/replica/ipc-serve';

jest.mock('../../../src/replica/ipc-serve', () => ({ serveFront: jest.fn() }));

const flush = () => new Promise((r) => setImmediate(r));

describe('runWork', () => {
  const handlers = new Map<string, () => void>();
  let exits: number[];
  let stops: number[];
  let stopResult: Promise<void>;
  const work = (): StoppableWork =>
    ({
      stop: (graceMs = 0) => {
        stops.push(graceMs);
        return stopResult;
      },
    }) as StoppableWork;

  beforeEach(() => {
    handlers.clear();
    exits = [];
    stops = [];
    stopResult = Promise.resolve();
    jest.mocked(serveFront).mockReset();
    jest.spyOn(process, 'on').mockImplementation(((event: string, listener: () => void) => {
      handlers.set(event, listener);
      return process;
    }) as typeof process.on);
    jest.spyOn(process, 'exit').mockImplementation(((code: number) => void exits.push(code)) as never);
  });
  afterEach(() => jest.restoreAllMocks());

  it('serves the front with the work it started, and stops it once when the front asks', async () => {
    const w = work();
    await runWork(async () => w, pino({ level: 'silent' }));
    expect(serveFront).toHaveBeenCalledWith(w, expect.any(Function));
    const onStop = jest.mocked(serveFront).mock.calls[0][1];
    onStop(1234);
    onStop(99);
    handlers.get('SIGTERM')?.();
    await flush();
    expect(stops).toEqual([1234]);
    expect(exits).toEqual([0]);
  });

  it('stops gracefully on SIGTERM, ignores SIGINT (the front decides), and exits 1 when stopping fails', async () => {
    stopResult = Promise.reject(new Error('store would not close'));
    await runWork(async () => work(), pino({ level: 'silent' }));
    handlers.get('SIGINT')?.();
    expect(stops).toEqual([]);
    handlers.get('SIGTERM')?.();
    await flush();
    expect(stops).toEqual([GRACE_MS]);
    expect(exits).toEqual([1]);
  });

  it('exits at once when the front is gone, but not while it is already stopping', async () => {
    await runWork(async () => work(), pino({ level: 'silent' }));
    handlers.get('disconnect')?.();
    expect(exits).toEqual([1]);
    expect(stops).toEqual([]);

    exits = [];
    stopResult = new Promise(() => undefined); // still stopping
    await runWork(async () => work(), pino({ level: 'silent' }));
    handlers.get('SIGTERM')?.();
    handlers.get('disconnect')?.();
    expect(exits).toEqual([]);
  });
});
