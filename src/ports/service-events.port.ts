/** What the container platform says happened to services, as it happens (Docker's event stream). */
export interface ServiceEvent {
  /** The platform's service name (a Swarm service). */
  dockerService: string;
  /** update, rollback (Swarm's own undo), create, remove… as the platform names it. */
  action: string;
  /** When the platform says it happened, in ms since the epoch. */
  at: number;
  /** The platform's own id of the event (unique enough to tell two replicas they saw the same one). */
  id: string;
  /** The platform started rolling the service back to its previous spec (Swarm's own undo, or `docker service rollback`). */
  rollback?: boolean;
  /** The replica count changed (a scale), as the platform reports it. */
  replicas?: { from: number; to: number };
}

export interface ServiceEvents {
  /**
   * Calls `onEvent` for every service event from now on, until the returned function is called. A dropped stream is
   * reopened with back-off, catching up from the last event it saw; `onGap` hears of each drop.
   */
  follow(onEvent: (e: ServiceEvent) => void, onGap: (err: unknown, retryInMs: number) => void): () => void;
}
