export interface Pager {
  /** Opens (or updates) the alert for this rollback; the same dedup key is used to resolve it. Throws on failure. */
  trigger(alert: {
    dedupKey: string;
    summary: string;
    source: string;
    details: Record<string, unknown>;
  }): Promise<void>;
  resolve(dedupKey: string): Promise<void>;
}
