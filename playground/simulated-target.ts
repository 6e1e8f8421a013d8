/**
 * The playground's simulated demo environment, for machines without a Docker engine in Swarm mode: two "services"
 * that implement the same port as the Docker adapter (versions, PreviousSpec, pull, update and convergence), and the
 * /health, /health/ready and home page the bot checks, served by the playground. Version `v2` is the bad deploy:
 * its /health answers 503. Clearly labelled as simulated everywhere it shows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, RollbackBotError } from '../src/domain/errors';
import type { ContainerRuntime, RollServiceOptions, RunningService, ServiceEvent, ServiceEvents } from '../src/ports';

export const DEMO_IMAGES = { backend: 'demo/app-backend', frontend: 'demo/app-frontend' } as const;
export const GOOD = 'v1';
export const BAD = 'v2';
const KNOWN_VERSIONS = ['v1', 'v2', 'v3'];

interface SimService {
  image: string;
  version: string;
  previousVersion: string | null;
}

/**
 * The services by name. Every write is a change to the service, so it moves the service's spec version on, as
 * Swarm's `Version.Index` moves on with every update, rollback or scale (whoever makes it).
 */
class SimServices extends Map<string, SimService> {
  private readonly index = new Map<string, number>();
  private writes = 0;
  override set(name: string, s: SimService): this {
    this.index.set(name, ++this.writes);
    return super.set(name, s);
  }
  specVersion(name: string): number | null {
    return this.index.get(name) ?? null;
  }
}

export class SimulatedTarget implements ContainerRuntime {
  readonly services = new SimServices();

  /**
   * `updateMs`: how long a simulated `docker service update` takes to converge. `names`: the two services' Docker
   * names (tests name them as a team would; /health and the home page follow whatever they are called).
   */
  constructor(
    private readonly updateMs = 1500,
    readonly names: { backend: string; frontend: string } = { backend: 'demo-backend', frontend: 'demo-frontend' },
  ) {
    this.deployBad();
  }

  /** The state right after a bad deploy: both services on v2, v1 in their PreviousSpec. */
  deployBad(): void {
    this.services.set(this.names.backend, { image: DEMO_IMAGES.backend, version: BAD, previousVersion: GOOD });
    this.services.set(this.names.frontend, { image: DEMO_IMAGES.frontend, version: BAD, previousVersion: GOOD });
  }

  async ping(): Promise<string> {
    return 'simulated Docker engine (playground)';
  }

  async imageLabels(_image: string, version: string): Promise<Record<string, string> | null> {
    return KNOWN_VERSIONS.includes(version) ? {} : null;
  }

  async inspectService(name: string): Promise<RunningService> {
    const s = this.services.get(name);
    if (!s) throw new RollbackBotError(ErrorCode.ServiceNotFound, `service ${name} not found`);
    return {
      dockerService: name,
      image: `${s.image}:${s.version}`,
      version: s.version,
      previousVersion: s.previousVersion,
      specVersion: this.services.specVersion(name),
    };
  }

  async ensureImage(image: string, version: string): Promise<void> {
    if (!KNOWN_VERSIONS.includes(version))
      throw new RollbackBotError(
        ErrorCode.ImagePullFailed,
        `cannot pull ${image}:${version}: manifest unknown (the demo has ${KNOWN_VERSIONS.join(', ')})`,
      );
  }

  async rollServiceTo(name: string, image: string, version: string, options: RollServiceOptions): Promise<void> {
    const s = this.services.get(name);
    if (!s) throw new RollbackBotError(ErrorCode.ServiceNotFound, `service ${name} not found`);
    await this.ensureImage(image, version);
    await new Promise((resolve) => setTimeout(resolve, Math.min(this.updateMs, options.timeoutMs)));
    this.services.set(name, { image, version, previousVersion: s.version });
    this.emit(name);
  }

  private readonly listeners = new Set<(e: ServiceEvent) => void>();
  private eventCount = 0;

  /** Someone deploys the bad version by hand (`docker service update` past the gate): the engine reports it. */
  changeByHand(version = BAD): void {
    for (const [name, s] of this.services) {
      this.services.set(name, { ...s, previousVersion: s.version, version });
      this.emit(name);
    }
  }

  /** An update event, as the engine reports every service update (the bot's own too). */
  private emit(dockerService: string): void {
    const e = { dockerService, action: 'update', at: Date.now(), id: `sim-${++this.eventCount}` };
    for (const l of this.listeners) l(e);
  }

  /** The simulated engine's event stream (ServiceEvents), for the bot's hands-on watcher. */
  readonly events: ServiceEvents = {
    follow: (onEvent) => {
      this.listeners.add(onEvent);
      return () => this.listeners.delete(onEvent);
    },
  };

  /** /health: the backend's version; 503 while the bad version runs. Returns false for other paths. */
  serve(path: string, _req: IncomingMessage, res: ServerResponse): boolean {
    const backend = this.services.get(this.names.backend);
    const frontend = this.services.get(this.names.frontend);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/health') {
      const bad = backend?.version === BAD;
      json(bad ? 503 : 200, {
        status: bad ? 'unhealthy' : 'healthy',
        version: backend?.version,
        error: bad ? 'database connection pool exhausted' : undefined,
      });
      return true;
    }
    if (path === '/health/ready') {
      json(backend?.version === BAD ? 503 : 200, { ready: backend?.version !== BAD });
      return true;
    }
    if (path === '/home') {
      res
        .writeHead(frontend?.version === BAD ? 500 : 200, { 'Content-Type': 'text/html' })
        .end(`<h1>demo shop ${frontend?.version}</h1>`);
      return true;
    }
    return false;
  }
}
