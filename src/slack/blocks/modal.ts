/** The form behind a bare `/rollback`: environment, target version (prefilled with the proposal), reason. */
import { VERSION_PATTERN } from '../../domain/names';
import { VIEW } from '../ids';
import { type Block, truncate } from './limits';

export const MODAL_BLOCK = {
  environment: 'environment',
  version: 'version',
  reason: 'reason',
  options: 'options',
} as const;
export const MODAL_ACTION = { environment: 'value', version: 'value', reason: 'value', options: 'value' } as const;
export const DRY_RUN_OPTION = 'dry_run';

export interface ModalInput {
  environments: string[];
  initialEnvironment: string | null;
  proposal: string | null;
  /** Where the command was typed, to answer there. */
  channelId: string;
}

export function rollbackModal(m: ModalInput): Record<string, unknown> {
  const option = (e: string) => ({ text: { type: 'plain_text', text: truncate(e, 75) }, value: e });
  const environmentSelect: Record<string, unknown> = {
    type: 'static_select',
    action_id: MODAL_ACTION.environment,
    placeholder: { type: 'plain_text', text: 'Environment' },
    options: m.environments.slice(0, 100).map(option),
  };
  if (m.initialEnvironment) environmentSelect.initial_option = option(m.initialEnvironment);
  const version: Record<string, unknown> = {
    type: 'plain_text_input',
    action_id: MODAL_ACTION.version,
    max_length: 128,
    placeholder: { type: 'plain_text', text: 'e.g. v1.4.2 or 3f2a9c1 — empty: the bot proposes one' },
  };
  if (m.proposal && VERSION_PATTERN.test(m.proposal)) version.initial_value = m.proposal;
  const blocks: Block[] = [
    {
      type: 'input',
      block_id: MODAL_BLOCK.environment,
      label: { type: 'plain_text', text: 'Environment' },
      element: environmentSelect,
    },
    {
      type: 'input',
      block_id: MODAL_BLOCK.version,
      optional: true,
      label: { type: 'plain_text', text: 'Roll back to (version)' },
      hint: {
        type: 'plain_text',
        text: m.proposal
          ? `Proposed: ${m.proposal} (the previous version Swarm kept, or the last one verified healthy).`
          : 'Leave empty and the bot proposes the previous stable version.',
      },
      element: version,
    },
    {
      type: 'input',
      block_id: MODAL_BLOCK.reason,
      label: { type: 'plain_text', text: 'Reason' },
      element: {
        type: 'plain_text_input',
        action_id: MODAL_ACTION.reason,
        multiline: true,
        max_length: 500,
        placeholder: { type: 'plain_text', text: 'e.g. error rate 12% after the 14:02 deploy' },
      },
    },
    {
      type: 'input',
      block_id: MODAL_BLOCK.options,
      optional: true,
      label: { type: 'plain_text', text: 'Options' },
      element: {
        type: 'checkboxes',
        action_id: MODAL_ACTION.options,
        options: [
          { text: { type: 'plain_text', text: 'Dry run: check everything, change nothing' }, value: DRY_RUN_OPTION },
        ],
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.request,
    private_metadata: JSON.stringify({ channelId: m.channelId }),
    title: { type: 'plain_text', text: 'Roll back' },
    submit: { type: 'plain_text', text: 'Start' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}
