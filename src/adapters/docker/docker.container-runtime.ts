import type Docker from 'dockerode';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import type { ContainerRuntime, Log, RollServiceOptions, RunningService } from '../../ports';

/** `registry:5000/app:v2@sha256:…` → `v2`; null when the reference carries no tag. */
export function versionOfImage(ref: string | undefined): string | null {
  if (!ref) return null;
  const noDigest = ref.split('@')[0];
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(colon + 1) : null;
}

interface DockerodeError extends Error {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

/** Translates what dockerode throws into the project's coded errors, keeping the original as cause. */
export function translateDockerError(err: unknown, what: string, service?: string): RollbackBotError {
  if (err instanceof RollbackBotError) return err;
  const e = err as DockerodeError;
  const detail = e.json?.message ?? e.message ?? String(err);
  const abandoned =
    e.name === 'AbortError' ||
    e.name === 'TimeoutError' ||
    e.code === 'ABORT_ERR' ||
    /timeout|aborted/i.test(e.message ?? '');
  if ((e.code && UNREACHABLE.has(e.code)) || abandoned) {
    return new RollbackBotError(
      ErrorCode.DockerUnreachable,
      `the Docker engine did not answer (${what}): ${e.code ?? detail}`,
      { cause: err },
    );
  }
  if (e.statusCode === 404 && service) {
    return new RollbackBotError(ErrorCode.ServiceNotFound, `Docker service "${service}" does not exist`, {
      cause: err,
    });
  }
  return new RollbackBotError(ErrorCode.ServiceUpdateFailed, `Docker refused ${what}: ${detail}`, { cause: err });
}

export interface DockerRuntimeOptions {
  /** How often convergence is polled. */
  pollIntervalMs?: number;
  /** Bound on one image pull. */
  pullTimeoutMs?: number;
  /** How many times an "update out of sequence" is retried. */
  maxUpdateAttempts?: number;
  /** Bound on one API call (inspect, list, update). */
  callTimeoutMs?: number;
  log?: Log;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** For the few dockerode calls that take no abort signal. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`timeout after ${ms} ms (${what})`), { code: 'ETIMEDOUT' })),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class DockerContainerRuntime implements ContainerRuntime {
  private readonly pollIntervalMs: number;
  private readonly pullTimeoutMs: number;
  private readonly maxUpdateAttempts: number;
  private readonly callTimeoutMs: number;

  constructor(
    private readonly docker: Docker,
    private readonly options: DockerRuntimeOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 120_000;
    this.maxUpdateAttempts = options.maxUpdateAttempts ?? 5;
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
  }

  async ping(): Promise<string> {
    try {
      const version = (await withTimeout(this.docker.version(), this.callTimeoutMs, 'version')) as {
        Version?: string;
        ApiVersion?: string;
      };
      return `Docker ${version.Version ?? '?'} (API ${version.ApiVersion ?? '?'})`;
    } catch (err) {
      throw translateDockerError(err, 'ping');
    }
  }

  async imageLabels(image: string, version: string): Promise<Record<string, string> | null> {
    try {
      const info = await withTimeout(
        this.docker.getImage(`${image}:${version}`).inspect(),
        this.callTimeoutMs,
        'image inspect',
      );
      return (info.Config?.Labels as Record<string, string> | null | undefined) ?? {};
    } catch (err) {
      if ((err as DockerodeError).statusCode === 404) return null;
      throw translateDockerError(err, `inspecting ${image}:${version}`);
    }
  }

  async inspectService(dockerService: string): Promise<RunningService> {
    const info = await this.inspect(dockerService);
    const image = info.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '';
    const previous = info.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image;
    return {
      dockerService,
      image,
      version: versionOfImage(image),
      previousVersion: versionOfImage(previous),
      specVersion: info.Version?.Index ?? null,
      updatedAt: info.UpdatedAt ?? null,
    };
  }

  /** Pulls in progress: the same image asked for again meanwhile (many requests at once) waits for the same pull. */
  private readonly pulls = new Map<string, Promise<void>>();

  ensureImage(image: string, version: string): Promise<void> {
    const ref = `${image}:${version}`;
    const running = this.pulls.get(ref);
    if (running) return running;
    const pull = this.pull(ref).finally(() => this.pulls.delete(ref));
    this.pulls.set(ref, pull);
    return pull;
  }

  private async pull(ref: string): Promise<void> {
    const signal = AbortSignal.timeout(this.pullTimeoutMs);
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(ref, { abortSignal: signal })) as NodeJS.ReadableStream;
    } catch (err) {
      throw pullError(ref, err);
    }
    // docker.pull() resolves when the stream opens; the outcome is in the stream, and followProgress does not
    // treat `{error}` lines as failure, so look for them.
    const output = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>(
      (resolve, reject) => {
        const onAbort = () =>
          reject(
            new RollbackBotError(ErrorCode.ImagePullFailed, `pulling ${ref} took longer than ${this.pullTimeoutMs} ms`),
          );
        signal.addEventListener('abort', onAbort, { once: true });
        this.docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) => {
          signal.removeEventListener('abort', onAbort);
          if (err) reject(pullError(ref, err));
          else resolve(out as Array<{ error?: string }>);
        });
      },
    );
    const failure = output.find((line) => line.error || line.errorDetail);
    if (failure)
      throw new RollbackBotError(
        ErrorCode.ImagePullFailed,
        `cannot pull ${ref}: ${failure.errorDetail?.message ?? failure.error}`,
      );
  }

  async rollServiceTo(
    dockerService: string,
    image: string,
    version: string,
    options: RollServiceOptions,
  ): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    const target = await this.pinnedReference(image, version);
    const current = await this.inspect(dockerService);
    // An UpdateStatus left over from an earlier update (say a past auto-rollback) says nothing about ours.
    let staleUpdate: string | undefined;
    // Already pointed at the target (a resumed rollback, a second replica): do not start another update.
    if (versionOfImage(current.Spec?.TaskTemplate?.ContainerSpec?.Image) !== version) {
      staleUpdate = current.UpdateStatus?.StartedAt ?? '';
      await updateServiceSpec(
        this.docker,
        dockerService,
        (spec) => ({
          ...spec,
          TaskTemplate: {
            ...spec.TaskTemplate,
            ContainerSpec: {
              ...(spec.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec,
              Image: target,
            },
          },
        }),
        { maxAttempts: this.maxUpdateAttempts, log: this.options.log, callTimeoutMs: this.callTimeoutMs },
      );
    }
    await this.waitForConvergence(dockerService, version, deadline, staleUpdate, options.signal);
  }

  /**
   * Waits until Swarm says the update completed and every running task runs `version`.
   * Swarm pausing the update, or rolling it back (update_config.failure_action), ends the wait with that news.
   */
  private async waitForConvergence(
    dockerService: string,
    version: string,
    deadline: number,
    staleUpdate: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    let lastSeen = 'no task seen yet';
    for (;;) {
      if (signal?.aborted)
        throw new RollbackBotError(ErrorCode.ConvergenceTimeout, `stopped waiting for ${dockerService}: ${lastSeen}`);
      const info = await this.inspect(dockerService);
      const update = info.UpdateStatus?.StartedAt === staleUpdate ? undefined : info.UpdateStatus;
      const state = update?.State as string | undefined;
      if (state === 'paused') {
        throw new RollbackBotError(
          ErrorCode.SwarmUpdatePaused,
          `Swarm paused the update of ${dockerService}: ${update?.Message ?? 'no reason given'}`,
        );
      }
      if (state?.startsWith('rollback')) {
        throw new RollbackBotError(
          ErrorCode.SwarmRolledBack,
          `Swarm rolled the update of ${dockerService} back (${state}): ${update?.Message ?? 'no reason given'}`,
        );
      }
      if (state !== 'updating') {
        const tasks = await this.runningTasks(dockerService);
        const onTarget = tasks.filter((t) => versionOfImage(t.image) === version && t.state === 'running');
        const wanted = info.Spec?.Mode?.Replicated?.Replicas ?? Math.max(tasks.length, 1);
        lastSeen = `${onTarget.length}/${wanted} task(s) running ${version}; tasks: ${tasks.map((t) => `${versionOfImage(t.image)} ${t.state}${t.error ? ` (${t.error})` : ''}`).join(', ') || 'none'}`;
        if (onTarget.length >= wanted && onTarget.length === tasks.length) return;
      } else {
        lastSeen = `update in progress: ${update?.Message ?? ''}`;
      }
      if (Date.now() + this.pollIntervalMs > deadline) {
        throw new RollbackBotError(
          ErrorCode.ConvergenceTimeout,
          `${dockerService} did not converge on ${version} in time: ${lastSeen}`,
        );
      }
      await sleep(this.pollIntervalMs);
    }
  }

  private async runningTasks(
    dockerService: string,
  ): Promise<Array<{ image?: string; state?: string; error?: string }>> {
    try {
      const listTasks = this.docker.listTasks.bind(this.docker) as (opts: object) => Promise<unknown>;
      const tasks = (await listTasks({
        filters: JSON.stringify({ service: [dockerService], 'desired-state': ['running'] }),
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
      })) as Array<{ Spec?: { ContainerSpec?: { Image?: string } }; Status?: { State?: string; Err?: string } }>;
      return tasks.map((t) => ({ image: t.Spec?.ContainerSpec?.Image, state: t.Status?.State, error: t.Status?.Err }));
    } catch (err) {
      throw translateDockerError(err, `listing the tasks of ${dockerService}`, dockerService);
    }
  }

  private async inspect(
    dockerService: string,
  ): Promise<Docker.Service & Awaited<ReturnType<Docker.Service['inspect']>>> {
    try {
      return await this.docker
        .getService(dockerService)
        .inspect({ abortSignal: AbortSignal.timeout(this.callTimeoutMs) });
    } catch (err) {
      throw translateDockerError(err, `inspecting ${dockerService}`, dockerService);
    }
  }

  /** `image:version@sha256:…` when the engine knows the digest, so every node runs exactly the same image. */
  private async pinnedReference(image: string, version: string): Promise<string> {
    const ref = `${image}:${version}`;
    try {
      const local = await withTimeout(this.docker.getImage(ref).inspect(), this.callTimeoutMs, `inspecting ${ref}`);
      const digest = local.RepoDigests?.find((d: string) => d.startsWith(`${image}@`));
      return digest ? `${ref}@${digest.split('@')[1]}` : ref;
    } catch {
      return ref;
    }
  }
}

function pullError(ref: string, err: unknown): RollbackBotError {
  if (err instanceof RollbackBotError) return err;
  const translated = translateDockerError(err, `pulling ${ref}`);
  if (translated.code === ErrorCode.DockerUnreachable) return translated;
  return new RollbackBotError(
    ErrorCode.ImagePullFailed,
    `cannot pull ${ref}: ${(err as DockerodeError).json?.message ?? (err as Error).message}`,
    { cause: err },
  );
}

/**
 * Applies `mutate` to the service's current spec and sends it with the spec's version index. Swarm answers
 * "update out of sequence" when someone else updated the service in between: re-inspect and try again, a bounded
 * number of times.
 */
export async function updateServiceSpec(
  docker: Docker,
  dockerService: string,
  mutate: (spec: Docker.ServiceSpec) => Docker.ServiceSpec | Promise<Docker.ServiceSpec>,
  options: { maxAttempts: number; log?: Log; callTimeoutMs?: number },
): Promise<void> {
  const timeout = options.callTimeoutMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    const service = docker.getService(dockerService);
    let info;
    try {
      info = await service.inspect({ abortSignal: AbortSignal.timeout(timeout) });
    } catch (err) {
      throw translateDockerError(err, `inspecting ${dockerService}`, dockerService);
    }
    const spec = await mutate(info.Spec as Docker.ServiceSpec);
    try {
      await service.update({
        _query: { version: info.Version.Index },
        _body: spec,
        abortSignal: AbortSignal.timeout(timeout * 3),
      } as never);
      return;
    } catch (err) {
      const message = (err as DockerodeError).json?.message ?? (err as Error).message ?? '';
      if (/update out of sequence/i.test(message) && attempt < options.maxAttempts) {
        options.log?.info({ dockerService, attempt }, 'service update out of sequence; re-inspecting');
        continue;
      }
      throw translateDockerError(err, `updating ${dockerService}`, dockerService);
    }
  }
}
