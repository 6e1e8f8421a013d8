/**
 * The container image's first process. The bot reaches the Docker engine through the mounted socket, which only root
 * and the socket's group may open, and that group's id is whatever the `docker` group got on each node when Docker was
 * installed there: a Swarm stack, which gives every task the same user, cannot name it (a `DOCKER_GID` read on the
 * deploying node is wrong on a manager where it differs). So the stacks start the container as root, and this reads
 * the socket's group on the node the task landed on, then runs the bot as the image's unprivileged user (uid 1000)
 * with that group added, before any other code is loaded. Started as anyone else (the image's default user, as in
 * `docker run --group-add …`), it changes nothing. The bot never runs as root either way.
 */
import { statSync } from 'node:fs';

/** The image's `node` user and group (uid and gid 1000, as in the official Node.js image). */
export const BOT_UID = 1000;
export const BOT_GID = 1000;

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups: the bot's own and the Docker socket's. */
  groups: number[];
}

/** The Docker engine's socket: the path in a `unix://` DOCKER_HOST, Docker's default without one, none for tcp/ssh. */
export function dockerSocketPath(dockerHost: string | undefined): string | null {
  if (!dockerHost) return '/var/run/docker.sock';
  if (dockerHost.startsWith('unix://')) return dockerHost.slice('unix://'.length);
  return null;
}

/** The group that owns the socket, or null when there is no socket at that path (the engine is reached otherwise). */
export function socketGroup(path: string | null): number | null {
  if (!path) return null;
  try {
    return statSync(path).gid;
  } catch {
    return null;
  }
}

/**
 * Who the bot should run as: null to stay as it is (not started as root), else the unprivileged user with the
 * socket's group. A socket owned by group 0 (some installs) gives group 0, not uid 0: the least that opens it.
 */
export function botIdentity(uid: number, socketGid: number | null): Identity | null {
  if (uid !== 0) return null;
  const groups = socketGid === null || socketGid === BOT_GID ? [BOT_GID] : [BOT_GID, socketGid];
  return { uid: BOT_UID, gid: BOT_GID, groups };
}

/** Switches the whole process (every thread; the work process it forks inherits it). Groups first: root's last act. */
function become(who: Identity): void {
  process.setgroups?.(who.groups);
  process.setgid?.(who.gid);
  process.setuid?.(who.uid);
  // Root's home is not the bot's (nothing should write there, but a library might try).
  if (process.env.HOME === '/root') process.env.HOME = '/home/node';
}

if (require.main === module) {
  const who = process.getuid
    ? botIdentity(process.getuid(), socketGroup(dockerSocketPath(process.env.DOCKER_HOST)))
    : null;
  try {
    if (who) become(who);
  } catch (err) {
    process.stderr.write(
      `rollback-bot: cannot switch from root to uid ${BOT_UID} (groups ${who?.groups.join(',')}): ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
  // Loaded only now: nothing of the bot runs as root.
  void import('./main');
}
