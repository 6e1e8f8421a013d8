/**
 * Docker's event stream as the bot follows it (DockerServiceEvents), on a private engine in Swarm mode that the test
 * may stop and start: what an update, a scale and a rollback say, and following on through a restart of the engine —
 * the stream drops, is reopened with back-off, and what changed before it reopened is caught up (once).
 */
import { DockerServiceEvents } from '../../src/adapters/docker/docker.service-events';
import type { ServiceEvent } from '../../src/ports';
import { BACKEND_IMAGE, requireSwarm } from '../support/docker-env';
import { type SpareEngine, startSpareEngine } from '../support/spare-engine';

jest.setTimeout(180_000);

let engine: SpareEngine;
const seen: ServiceEvent[] = [];
const gaps: number[] = [];
let unfollow = () => undefined as void;

beforeAll(async () => {
  await requireSwarm(); // the registry the images come from
  engine = await startSpareEngine();
  await engine.cli(
    'service',
    'create',
    '--no-resolve-image',
    '--quiet',
    '--detach',
    '--name',
    'events-a',
    '--replicas',
    '0',
    `${BACKEND_IMAGE}:v1`,
  );
  unfollow = new DockerServiceEvents(engine.client).follow(
    (e) => seen.push(e),
    (_err, retryInMs) => gaps.push(retryInMs),
  );
});
afterAll(async () => {
  unfollow();
  await engine?.remove();
});

/** `docker service update --image …:version` on the private engine (no pull: its services run no tasks). */
const deploy = (version: string) =>
  engine.cli(
    'service',
    'update',
    '--quiet',
    '--detach',
    '--no-resolve-image',
    '--image',
    `${BACKEND_IMAGE}:${version}`,
    'events-a',
  );

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('says what changed: an update, a scale (from → to replicas) and a rollback', async () => {
  const from = seen.length;
  await deploy('v2');
  await until('the update', () =>
    seen.slice(from).find((e) => e.dockerService === 'events-a' && e.action === 'update'),
  );
  await engine.cli('service', 'scale', '--detach', 'events-a=0'); // no change: no replicas in the event
  await engine.cli('service', 'update', '--quiet', '--detach', '--replicas', '2', 'events-a');
  const scaled = await until('the scale', () => seen.slice(from).find((e) => e.replicas));
  expect(scaled.replicas).toEqual({ from: 0, to: 2 });
  await engine.cli('service', 'rollback', '--quiet', '--detach', 'events-a');
  const undone = await until('the rollback', () => seen.slice(from).find((e) => e.rollback));
  expect(undone).toMatchObject({
    dockerService: 'events-a',
    action: 'update',
    rollback: true,
    replicas: { from: 2, to: 0 },
  });
  expect(seen.slice(from).filter((e) => e.rollback)).toHaveLength(1);
  expect(gaps).toEqual([]);
});

it('follows on through a restart of the engine, catching up on a change made before the stream reopened', async () => {
  const from = seen.length;
  await engine.stop();
  // The stream dropped and every reopening fails while the engine is down: the back-off grows (1 s, 2 s, 4 s, 8 s…).
  await until('four failed reopenings', () => (gaps.length >= 4 ? gaps : undefined));
  expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
  await engine.start();
  // Made at once, while the follower still waits out its 8 s back-off: only asking for what happened since the last
  // event it saw can bring this one.
  const changedAt = Date.now();
  await deploy('v3');
  const caught = await until('the update made after the restart', () =>
    seen.slice(from).find((e) => e.dockerService === 'events-a' && e.at >= changedAt - 1000),
  );
  expect(caught.action).toBe('update');
  // Each event once, though the reopened stream asks again for the last second it saw.
  const ids = seen.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  // And it keeps following live afterwards.
  const after = seen.length;
  await deploy('v1');
  await until('a live update after the restart', () => seen.slice(after).find((e) => e.dockerService === 'events-a'));
});
