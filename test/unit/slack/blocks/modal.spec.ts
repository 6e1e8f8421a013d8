/** The form behind a bare `/rollback`: what it offers, what it prefills, and where it answers. */
import { VIEW } from '../../../../src/slack/ids';
import { DRY_RUN_OPTION, MODAL_BLOCK, rollbackModal } from '../../../../src/slack/blocks/modal';

type Input = { block_id: string; optional?: boolean; hint?: { text: string }; element: Record<string, unknown> };
const blocksOf = (view: Record<string, unknown>) => view.blocks as Input[];
const block = (view: Record<string, unknown>, id: string) => blocksOf(view).find((b) => b.block_id === id);

describe('rollbackModal', () => {
  it('asks for environment, version, reason and the dry-run option, and answers in the channel it came from', () => {
    const view = rollbackModal({
      environments: ['production', 'staging'],
      initialEnvironment: null,
      proposal: null,
      channelId: 'C0HERE',
    });
    expect(view).toMatchObject({ type: 'modal', callback_id: VIEW.request });
    expect(JSON.parse(view.private_metadata as string)).toEqual({ channelId: 'C0HERE' });
    expect(blocksOf(view).map((b) => [b.block_id, b.optional ?? false])).toEqual([
      [MODAL_BLOCK.environment, false],
      [MODAL_BLOCK.version, true],
      [MODAL_BLOCK.reason, false],
      [MODAL_BLOCK.options, true],
    ]);
    expect(block(view, MODAL_BLOCK.environment)?.element).not.toHaveProperty('initial_option');
    expect(block(view, MODAL_BLOCK.version)?.element).not.toHaveProperty('initial_value');
    expect(block(view, MODAL_BLOCK.version)?.hint?.text).toBe(
      'Leave empty and the bot proposes the previous stable version.',
    );
    expect(block(view, MODAL_BLOCK.options)?.element).toMatchObject({ options: [{ value: DRY_RUN_OPTION }] });
  });

  it('preselects the environment and prefills the proposal', () => {
    const view = rollbackModal({
      environments: ['production'],
      initialEnvironment: 'production',
      proposal: 'v1.4.2',
      channelId: 'C0HERE',
    });
    expect(block(view, MODAL_BLOCK.environment)?.element).toMatchObject({
      initial_option: { value: 'production' },
    });
    expect(block(view, MODAL_BLOCK.version)?.element).toMatchObject({ initial_value: 'v1.4.2' });
    expect(block(view, MODAL_BLOCK.version)?.hint?.text).toMatch(/^Proposed: v1\.4\.2 /);
  });

  it('never prefills a proposal that is not a valid version, and offers at most 100 environments', () => {
    const view = rollbackModal({
      environments: Array.from({ length: 120 }, (_, i) => `env-${i}`),
      initialEnvironment: null,
      proposal: 'v1; rm -rf /',
      channelId: 'C0HERE',
    });
    expect(block(view, MODAL_BLOCK.version)?.element).not.toHaveProperty('initial_value');
    expect(block(view, MODAL_BLOCK.environment)?.element.options).toHaveLength(100);
  });
});
