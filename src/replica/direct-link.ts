/**
 * The front and the work side in one process (tests, the playground): the link is a function call. main.ts runs them
 * as two processes instead (ipc-link.ts), so the work never delays an acknowledgement.
 */
import type { WorkLink, WorkSide } from './work-link';

export const directLink = (work: WorkSide): WorkLink => ({
  forward: (event) => work.deliver(event),
  // One event loop: a hung work side would hang the front with it; nothing to watch from here.
  unavailable: () => null,
  ready: () => work.ready(),
  metrics: () => work.metrics(),
  api: (request) => work.api(request),
});
