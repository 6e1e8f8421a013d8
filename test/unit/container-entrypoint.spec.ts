/**
 * The container's entry point picks the bot's identity from the Docker socket's group on the node it runs on: the
 * decision is pure and tested here; test/e2e/stack.e2e.spec.ts runs the stacks (started as root) and reads the bot's
 * uid and groups from /proc.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOT_GID, BOT_UID, botIdentity, dockerSocketPath, socketGroup } from '../../src/container-entrypoint';

it('started as root, the bot runs as the unprivileged user with the socket group of the node it landed on', () => {
  expect(botIdentity(0, 998)).toEqual({ uid: BOT_UID, gid: BOT_GID, groups: [BOT_GID, 998] });
  // Another manager, another group id: the same image and stack file work there too.
  expect(botIdentity(0, 121)).toEqual({ uid: 1000, gid: 1000, groups: [1000, 121] });
});

it('a socket owned by group 0 gives group 0, never uid 0', () => {
  expect(botIdentity(0, 0)).toEqual({ uid: 1000, gid: 1000, groups: [1000, 0] });
});

it('without a socket (DOCKER_HOST over TCP) it still leaves root, with no extra group', () => {
  expect(botIdentity(0, null)).toEqual({ uid: 1000, gid: 1000, groups: [1000] });
  expect(botIdentity(0, BOT_GID)).toEqual({ uid: 1000, gid: 1000, groups: [1000] });
});

it('started as anyone else (docker run with --group-add), it changes nothing', () => {
  expect(botIdentity(1000, 998)).toBeNull();
  expect(botIdentity(4242, null)).toBeNull();
});

it('finds the socket where Docker does: DOCKER_HOST when it names a unix socket, else the default', () => {
  expect(dockerSocketPath(undefined)).toBe('/var/run/docker.sock');
  expect(dockerSocketPath('')).toBe('/var/run/docker.sock');
  expect(dockerSocketPath('unix:///run/user/1000/docker.sock')).toBe('/run/user/1000/docker.sock');
  expect(dockerSocketPath('tcp://manager-1:2376')).toBeNull();
  expect(dockerSocketPath('ssh://ops@manager-1')).toBeNull();
});

it("reads the group that owns the socket's path, and none when nothing is there", () => {
  const dir = mkdtempSync(join(tmpdir(), 'entrypoint-'));
  try {
    const file = join(dir, 'docker.sock');
    writeFileSync(file, '');
    expect(socketGroup(file)).toBe(statSync(file).gid);
    expect(socketGroup(join(dir, 'missing.sock'))).toBeNull();
    expect(socketGroup(null)).toBeNull();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
