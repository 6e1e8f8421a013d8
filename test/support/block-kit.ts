/**
 * What Slack refuses, as Slack answers it: the limits of Block Kit and of a message (https://api.slack.com/reference/
 * block-kit/blocks, …/block-elements, …/composition-objects, …/surfaces/views, chat.postMessage's `msg_too_long`).
 * The fake Slack answers with these errors; the property test checks every message and view the bot builds against
 * the same rules.
 */
export type SlackRefusal = 'invalid_blocks' | 'msg_too_long' | 'view_too_large' | 'invalid_arguments';

export interface Problem {
  error: SlackRefusal;
  /** Where and what, e.g. `blocks[3].text.text: 3001 characters (max 3000)`. */
  detail: string;
}

export const BLOCK_KIT = {
  messageBlocks: 50,
  viewBlocks: 100,
  messageText: 40_000,
  sectionText: 3000,
  sectionFields: 10,
  field: 2000,
  header: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  id: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  checkboxOptions: 10,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  /** Slack does not publish the exact figure; its views are refused well before this (view_too_large). */
  viewBytes: 250_000,
} as const;

const BLOCK_TYPES = new Set(['section', 'header', 'divider', 'context', 'actions', 'input', 'image', 'rich_text']);
const ELEMENT_TYPES = new Set([
  'button',
  'static_select',
  'plain_text_input',
  'checkboxes',
  'radio_buttons',
  'overflow',
  'datepicker',
  'users_select',
  'conversations_select',
  'channels_select',
  'image',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Slack counts characters as UTF-16 code units, as JavaScript does. */
const len = (s: unknown) => (typeof s === 'string' ? s.length : 0);

class Checker {
  readonly problems: Problem[] = [];
  /** Unique within a message or view. */
  private readonly blockIds = new Set<string>();
  /** Unique within their block (Slack: "unique among all other action_ids in the containing block"). */
  private actionIds = new Set<string>();

  bad(detail: string, error: SlackRefusal = 'invalid_blocks'): void {
    this.problems.push({ error, detail });
  }

  max(at: string, value: unknown, limit: number): void {
    if (len(value) > limit) this.bad(`${at}: ${len(value)} characters (max ${limit})`);
  }

  /** A text object: type, a non-empty text, within `limit`; plain_text only where `plainOnly`. */
  text(at: string, t: unknown, limit: number, plainOnly = false): void {
    if (!isObj(t)) return this.bad(`${at}: not a text object`);
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') return this.bad(`${at}.type: ${String(t.type)}`);
    if (plainOnly && t.type !== 'plain_text') this.bad(`${at}: must be plain_text`);
    if (typeof t.text !== 'string' || t.text.length === 0) return this.bad(`${at}.text: empty`);
    this.max(`${at}.text`, t.text, limit);
  }

  id(at: string, value: unknown, seen: Set<string>): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || value.length === 0) return this.bad(`${at}: empty`);
    this.max(at, value, BLOCK_KIT.id);
    if (seen.has(value)) this.bad(`${at}: "${value}" is used twice`);
    seen.add(value);
  }

  confirm(at: string, c: unknown): void {
    if (c === undefined) return;
    if (!isObj(c)) return this.bad(`${at}: not an object`);
    this.text(`${at}.title`, c.title, BLOCK_KIT.confirmTitle, true);
    this.text(`${at}.text`, c.text, BLOCK_KIT.confirmText);
    this.text(`${at}.confirm`, c.confirm, BLOCK_KIT.confirmButton, true);
    this.text(`${at}.deny`, c.deny, BLOCK_KIT.confirmButton, true);
  }

  option(at: string, o: unknown): void {
    if (!isObj(o)) return this.bad(`${at}: not an option`);
    this.text(`${at}.text`, o.text, BLOCK_KIT.optionText);
    if (typeof o.value !== 'string' || o.value.length === 0) this.bad(`${at}.value: empty`);
    this.max(`${at}.value`, o.value, BLOCK_KIT.optionValue);
  }

  element(at: string, e: unknown): void {
    if (!isObj(e)) return this.bad(`${at}: not an element`);
    const type = String(e.type);
    if (!ELEMENT_TYPES.has(type)) return this.bad(`${at}.type: unknown element type "${type}"`);
    if (type !== 'image') this.id(`${at}.action_id`, e.action_id, this.actionIds);
    if (e.placeholder !== undefined) this.text(`${at}.placeholder`, e.placeholder, BLOCK_KIT.placeholder, true);
    if (type === 'button') {
      this.text(`${at}.text`, e.text, BLOCK_KIT.buttonText, true);
      this.max(`${at}.value`, e.value, BLOCK_KIT.buttonValue);
      this.max(`${at}.url`, e.url, BLOCK_KIT.buttonUrl);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') this.bad(`${at}.style`);
      this.confirm(`${at}.confirm`, e.confirm);
    }
    if (type === 'static_select' || type === 'checkboxes' || type === 'radio_buttons' || type === 'overflow') {
      const options = Array.isArray(e.options) ? e.options : [];
      const most = type === 'static_select' ? BLOCK_KIT.selectOptions : BLOCK_KIT.checkboxOptions;
      if (options.length === 0) this.bad(`${at}.options: none`);
      if (options.length > most) this.bad(`${at}.options: ${options.length} (max ${most})`);
      options.forEach((o, i) => this.option(`${at}.options[${i}]`, o));
      if (e.initial_option !== undefined) this.option(`${at}.initial_option`, e.initial_option);
    }
    if (type === 'plain_text_input') {
      if (typeof e.max_length === 'number' && (e.max_length < 1 || e.max_length > 3000)) this.bad(`${at}.max_length`);
      const most = typeof e.max_length === 'number' ? e.max_length : 3000;
      this.max(`${at}.initial_value`, e.initial_value, most);
    }
  }

  block(at: string, b: unknown, surface: 'message' | 'view'): void {
    if (!isObj(b)) return this.bad(`${at}: not a block`);
    const type = String(b.type);
    if (!BLOCK_TYPES.has(type)) return this.bad(`${at}.type: unknown block type "${type}"`);
    if (type === 'input' && surface === 'message') this.bad(`${at}: input blocks belong in views`);
    this.id(`${at}.block_id`, b.block_id, this.blockIds);
    this.actionIds = new Set();
    switch (type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) this.bad(`${at}: a section needs text or fields`);
        if (b.text !== undefined) this.text(`${at}.text`, b.text, BLOCK_KIT.sectionText);
        if (b.fields !== undefined) {
          const fields = Array.isArray(b.fields) ? b.fields : [];
          if (fields.length === 0 || fields.length > BLOCK_KIT.sectionFields)
            this.bad(`${at}.fields: ${fields.length} (1 to ${BLOCK_KIT.sectionFields})`);
          fields.forEach((f, i) => this.text(`${at}.fields[${i}]`, f, BLOCK_KIT.field));
        }
        if (b.accessory !== undefined) this.element(`${at}.accessory`, b.accessory);
        break;
      }
      case 'header':
        this.text(`${at}.text`, b.text, BLOCK_KIT.header, true);
        break;
      case 'context': {
        const elements = Array.isArray(b.elements) ? b.elements : [];
        if (elements.length === 0 || elements.length > BLOCK_KIT.contextElements)
          this.bad(`${at}.elements: ${elements.length} (1 to ${BLOCK_KIT.contextElements})`);
        elements.forEach((e, i) => {
          if (isObj(e) && e.type === 'image') return;
          this.text(`${at}.elements[${i}]`, e, BLOCK_KIT.sectionText);
        });
        break;
      }
      case 'actions': {
        const elements = Array.isArray(b.elements) ? b.elements : [];
        if (elements.length === 0 || elements.length > BLOCK_KIT.actionsElements)
          this.bad(`${at}.elements: ${elements.length} (1 to ${BLOCK_KIT.actionsElements})`);
        elements.forEach((e, i) => this.element(`${at}.elements[${i}]`, e));
        break;
      }
      case 'input':
        this.text(`${at}.label`, b.label, BLOCK_KIT.inputLabel, true);
        if (b.hint !== undefined) this.text(`${at}.hint`, b.hint, BLOCK_KIT.inputHint, true);
        this.element(`${at}.element`, b.element);
        break;
      default:
        break;
    }
  }

  blocks(blocks: unknown, surface: 'message' | 'view'): void {
    if (blocks === undefined) return;
    if (!Array.isArray(blocks)) return this.bad('blocks: not an array');
    const most = surface === 'message' ? BLOCK_KIT.messageBlocks : BLOCK_KIT.viewBlocks;
    if (blocks.length > most) this.bad(`blocks: ${blocks.length} (max ${most})`);
    blocks.forEach((b, i) => this.block(`blocks[${i}]`, b, surface));
  }
}

/** Blocks may arrive as a JSON string (form-encoded Web API calls). */
const parsed = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

/** Slack's objections to a message (chat.postMessage, chat.update, chat.postEphemeral, a response_url answer). */
export function messageProblems(args: Record<string, unknown>): Problem[] {
  const c = new Checker();
  const blocks = parsed(args.blocks);
  if (typeof args.text === 'string' && args.text.length > BLOCK_KIT.messageText)
    c.bad(`text: ${args.text.length} characters (max ${BLOCK_KIT.messageText})`, 'msg_too_long');
  if (
    (args.text === undefined || args.text === '') &&
    (blocks === undefined || (Array.isArray(blocks) && !blocks.length))
  )
    c.bad('neither text nor blocks', 'invalid_arguments');
  c.blocks(blocks, 'message');
  return c.problems;
}

/** Slack's objections to a view (views.open, views.update, views.push; views.publish for the Home tab). */
export function viewProblems(view: unknown): Problem[] {
  const c = new Checker();
  const v = parsed(view);
  if (!isObj(v)) {
    c.bad('view: not an object', 'invalid_arguments');
    return c.problems;
  }
  if (JSON.stringify(v).length > BLOCK_KIT.viewBytes) c.bad('view: too large', 'view_too_large');
  if (v.type !== 'modal' && v.type !== 'home') c.bad(`view.type: ${String(v.type)}`);
  // A modal has a title; a Home tab (views.publish) has none.
  if (v.type === 'modal' || v.title !== undefined) c.text('view.title', v.title, BLOCK_KIT.viewTitle, true);
  if (v.submit !== undefined) c.text('view.submit', v.submit, BLOCK_KIT.viewButton, true);
  if (v.close !== undefined) c.text('view.close', v.close, BLOCK_KIT.viewButton, true);
  c.max('view.private_metadata', v.private_metadata, BLOCK_KIT.privateMetadata);
  c.max('view.callback_id', v.callback_id, BLOCK_KIT.id);
  const hasInput = Array.isArray(v.blocks) && v.blocks.some((b) => isObj(b) && b.type === 'input');
  if (hasInput && v.submit === undefined) c.bad('view.submit: required with input blocks');
  c.blocks(v.blocks, 'view');
  return c.problems;
}
