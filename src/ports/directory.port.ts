export interface Directory {
  /**
   * Whether the user is an incident commander (listed, or in a listed user group) — of `environment` when given: an
   * environment may name its own commanders instead of the global ones.
   */
  isIncidentCommander(userId: string, environment?: string): Promise<boolean>;
}
