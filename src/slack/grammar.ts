/**
 * The `/rollback` grammar. The text is parsed, never executed:
 *
 *   /rollback help
 *   /rollback status
 *   /rollback unlock <environment> [reason…]
 *   /rollback <environment> [to <version>] [reason…]
 */

import { ENVIRONMENT_PATTERN, isValidVersion, MAX_REASON_LENGTH } from '../domain/names';

export const USAGE = [
  '`/rollback` — a form to start a rollback',
  '`/rollback <environment> [to <version>] [reason…]` — start a rollback (an incident commander approves it)',
  '`/rollback <environment> --dry-run [to <version>] [reason…]` — Step 1 for real, then what Steps 2–5 would do; nothing changes',
  '`/rollback report <environment> <what you see>` — report a user-facing problem (3 reporters: "evaluate, likely rollback")',
  '`/rollback status` — rollbacks in progress and the last few finished',
  '`/rollback history [environment]` — the deployment log: finished rollbacks',
  '`/rollback timeline <rollback id>` — a Markdown timeline to paste into the post-mortem',
  '`/rollback unlock <environment> [reason]` — after a rollback, allow deploys again (incident commanders)',
  '`/rollback help` — this help',
].join('\n');
export const MAX_REPORT_LENGTH = 500;

export type ParsedCommand =
  | { kind: 'form' }
  | { kind: 'help' }
  | { kind: 'report'; environment: string; text: string }
  | { kind: 'status' }
  | { kind: 'history'; environment: string | null }
  | { kind: 'timeline'; id: string }
  | { kind: 'unlock'; environment: string; reason: string }
  | { kind: 'rollback'; environment: string; target: string | null; reason: string; dryRun: boolean }
  | { kind: 'invalid'; message: string };

const invalid = (message: string): ParsedCommand => ({ kind: 'invalid', message: `${message}\n\nUsage:\n${USAGE}` });

/** Shows user input back safely: bounded, on one line, with backticks neutralised. */
export function quote(input: string, max = 60): string {
  const one = input.replace(/\s+/g, ' ').replace(/`/g, "'");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function parseCommand(text: string): ParsedCommand {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return { kind: 'form' };
  const [first, ...rest] = words;
  const keyword = first.toLowerCase();
  if (keyword === 'report') {
    const [environment, ...what] = rest;
    if (environment === undefined || !ENVIRONMENT_PATTERN.test(environment))
      return invalid(
        '`/rollback report` needs an environment, e.g. `/rollback report production checkout returns 500`.',
      );
    const text = what.join(' ');
    if (text.length === 0) return invalid('Say what you see, e.g. `/rollback report production checkout returns 500`.');
    if (text.length > MAX_REPORT_LENGTH)
      return invalid(`The report is ${text.length} characters long; keep it under ${MAX_REPORT_LENGTH}.`);
    return { kind: 'report', environment, text };
  }
  if (keyword === 'help' || keyword === '-h' || keyword === '--help') return { kind: 'help' };
  if (keyword === 'history') {
    if (rest.length > 1 || (rest[0] !== undefined && !ENVIRONMENT_PATTERN.test(rest[0])))
      return invalid('`/rollback history` takes at most an environment name.');
    return { kind: 'history', environment: rest[0] ?? null };
  }
  if (keyword === 'timeline') {
    if (rest.length !== 1 || !/^rb-[a-z0-9]{1,20}$/.test(rest[0]))
      return invalid('`/rollback timeline` takes a rollback id, e.g. `/rollback timeline rb-7k2m9qx4`.');
    return { kind: 'timeline', id: rest[0] };
  }
  if (keyword === 'unlock') {
    const [environment, ...why] = rest;
    if (environment === undefined || !ENVIRONMENT_PATTERN.test(environment))
      return invalid('`/rollback unlock` needs an environment, e.g. `/rollback unlock production fix merged in #812`.');
    const reason = why.join(' ');
    if (reason.length > MAX_REASON_LENGTH)
      return invalid(`The reason is ${reason.length} characters long; keep it under ${MAX_REASON_LENGTH}.`);
    return { kind: 'unlock', environment, reason };
  }
  if (keyword === 'status') {
    return rest.length === 0 ? { kind: 'status' } : invalid('`/rollback status` takes no arguments.');
  }
  if (!ENVIRONMENT_PATTERN.test(first)) {
    return invalid(`\`${quote(first)}\` is not an environment name (letters, digits, \`-\` and \`_\`).`);
  }
  const dryRun = rest.some((w) => w.toLowerCase() === '--dry-run');
  const args = rest.filter((w) => w.toLowerCase() !== '--dry-run');
  let target: string | null = null;
  let reasonWords = args;
  if (args[0]?.toLowerCase() === 'to') {
    const version = args[1];
    if (version === undefined)
      return invalid('`to` needs a version, e.g. `/rollback production to v1.4.2 error rate 12%`.');
    if (!isValidVersion(version)) {
      return invalid(
        `\`${quote(version)}\` is not a valid version: use an image tag (letters, digits, \`.\`, \`_\`, \`-\`; at most 128 characters).`,
      );
    }
    target = version;
    reasonWords = args.slice(2);
  }
  const reason = reasonWords.join(' ');
  if (reason.length > MAX_REASON_LENGTH) {
    return invalid(`The reason is ${reason.length} characters long; keep it under ${MAX_REASON_LENGTH}.`);
  }
  return { kind: 'rollback', environment: first, target, reason, dryRun };
}
