/** Every identifier Slack sends back to us. A button's `value` carries only the rollback id. */
export const COMMAND = '/rollback';
export const ACTION = {
  approve: 'rollback_approve',
  cancel: 'rollback_cancel',
} as const;
export const BLOCK = {
  decision: 'rollback_decision',
} as const;
