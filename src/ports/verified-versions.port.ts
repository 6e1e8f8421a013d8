/** The last version this bot verified healthy, per service: what Step 1 proposes when Swarm kept no previous spec. */
export interface VerifiedVersions {
  lastVerifiedVersion(environment: string, service: string): Promise<string | null>;
  recordVerifiedVersion(environment: string, service: string, version: string, at: string): Promise<void>;
}
