export interface RunningService {
  dockerService: string;
  /** Full image reference from the spec, e.g. registry/app:v2@sha256:… */
  image: string;
  version: string | null;
  previousVersion: string | null;
  /**
   * Swarm's version index of the service object (`Version.Index`): it grows with every change to the service (an
   * update, a rollback, a scale, Swarm's own progress on an update) and never goes back. Equal before and after
   * means nothing was done to the service in between; null when the engine does not say.
   */
  specVersion: number | null;
  /**
   * When the service was last changed (Swarm's `UpdatedAt`, ISO 8601): with `previousVersion` differing from
   * `version`, when its image was last changed. Absent or null when the engine does not say.
   */
  updatedAt?: string | null;
}

export interface RollServiceOptions {
  /** Bound on waiting for Swarm to converge. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ContainerRuntime {
  /** Whether the engine answers; throws DOCKER_UNREACHABLE. Used for "confirm you have access to the tooling". */
  ping(): Promise<string>;
  /** The labels of `image:version` as the engine knows them (null when the engine does not have that image). */
  imageLabels(image: string, version: string): Promise<Record<string, string> | null>;
  /** Throws a coded error (DOCKER_UNREACHABLE, SERVICE_NOT_FOUND) when the service cannot be read. */
  inspectService(dockerService: string): Promise<RunningService>;
  /** Pulls `image:version`; throws IMAGE_PULL_FAILED with the registry's words when it cannot. */
  ensureImage(image: string, version: string): Promise<void>;
  /**
   * Points the service at `image:version` and waits until Swarm reports the update complete and the service's
   * running tasks use that image. Throws a coded error when Swarm pauses or rolls back the update, or on timeout.
   */
  rollServiceTo(dockerService: string, image: string, version: string, options: RollServiceOptions): Promise<void>;
}
