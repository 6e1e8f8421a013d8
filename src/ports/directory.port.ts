export interface Directory {
  /**
   * Whether the user is an incident commander (listed, or in a listed user group) — of `environment` when given: an
   * environment may name its own commanders instead of the global ones.
   */
  isIncidentCommander(userId: string, environment?: string): Promise<boolean>;
  /**
   * People's names for the documents the bot writes outside Slack (the Markdown timeline, the ticket), where a
   * user id means nothing: id → display name, for the ids it could resolve (none when it cannot ask).
   */
  displayNames(userIds: readonly string[]): Promise<Map<string, string>>;
}
