/** The runbook's "Rollback Checklist", as data: its items, and which of them only a person can tick. */
export const CHECKLIST = [
  { key: 'issue_confirmed', label: 'Issue confirmed (health checks, error rates, user reports)' },
  { key: 'version_identified', label: 'Previous stable version identified' },
  { key: 'team_notified', label: 'Team notified in incident channel' },
  { key: 'rollback_executed', label: 'Rollback executed' },
  { key: 'health_passing', label: 'Health checks passing after rollback' },
  { key: 'smoke_passing', label: 'Smoke tests passing after rollback' },
  { key: 'resolution_announced', label: 'Resolution announced' },
  { key: 'ticket_created', label: 'Incident ticket created' },
  { key: 'postmortem_scheduled', label: 'Post-mortem scheduled' },
] as const;
export type ChecklistKey = (typeof CHECKLIST)[number]['key'];

/** Items only a person can tick (the bot does not do them itself). */
export const MANUAL_ITEMS: readonly ChecklistKey[] = ['ticket_created', 'postmortem_scheduled', 'smoke_passing'];
