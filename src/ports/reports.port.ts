/** A refusal that belongs to no rollback (a request from the wrong channel, say), for the audit trail. */
export interface RefusalRecord {
  at: string;
  userId: string;
  environment: string | null;
  action: string;
  why: string;
}

/** What people report (`/rollback report`) and the audit trail of refusals outside any rollback. */
export interface Reports {
  recordReport(report: { environment: string; userId: string; text: string; at: string }): Promise<void>;
  /** Who reported within the window, each once. */
  uniqueReporters(environment: string, sinceIso: string): Promise<string[]>;
  reportTexts(environment: string, sinceIso: string, limit: number): Promise<string[]>;
  /** When the "likely rollback" alert was last posted for the environment (so it is posted once per window). */
  lastReportAlert(environment: string): Promise<string | null>;
  recordReportAlert(environment: string, at: string): Promise<void>;
  recordRefusal(entry: RefusalRecord): Promise<void>;
  /** Newest first. */
  refusals(limit: number): Promise<RefusalRecord[]>;
}
