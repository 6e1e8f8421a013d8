/** Every identifier Slack sends back to us. A button's `value` carries only the rollback id. */
export const COMMAND = '/rollback';
export const ACTION = {
  approve: 'rollback_approve',
  cancel: 'rollback_cancel',
  ackNoCriterion: 'rollback_ack_no_criterion',
  ackMigrations: 'rollback_ack_migrations',
  /** The target is a version a rollback since the last clearing moved production away from. */
  ackRolledBackFrom: 'rollback_ack_rolled_back_from',
  requestFromReports: 'rollback_request_from_reports',
  clearRootCause: 'rollback_clear_root_cause',
  schedulePostmortem: 'rollback_schedule_postmortem',
  createTicket: 'rollback_create_ticket',
  /** An outcome nobody could know: an incident commander releases the environment's lock after looking. */
  releaseLock: 'rollback_release_lock',
  /** One button per checklist item a person ticks; the item is in the action id, the rollback id in the value. */
  tick: 'rollback_tick',
  /** The Home tab: the request form for an environment (the value), its Unlock, another page (the value: its number). */
  homeRequest: 'rollback_home_request',
  homeUnlock: 'rollback_home_unlock',
  homePage: 'rollback_home_page',
} as const;
export const BLOCK = {
  decision: 'rollback_decision',
} as const;
export const VIEW = {
  request: 'rollback_request_modal',
  /** The Home tab's Unlock: asks for the reason. */
  unlock: 'rollback_unlock_modal',
  home: 'rollback_home',
} as const;
/** The event that says someone opened the app's Home tab. */
export const EVENT = { homeOpened: 'app_home_opened' } as const;
