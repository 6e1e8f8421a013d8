/**
 * The Home tab's dashboard as typed data: every environment at a glance, for one person. The runbook computes it
 * (runbook/use-cases/home.ts); the notifier draws it (slack/blocks/home.ts). No Slack markup here.
 */
import type { MessageRef, Status, StepName } from './rollback';

/**
 * What runs in an environment, as the bot last looked: Step 1 of a rollback, what its Step 3 left running, a change
 * made by hand past the bot after it, or a look of the close watch.
 */
export interface RunningNow {
  /** The versions seen (one per service; several when they disagree). Empty when none could be read. */
  versions: string[];
  /** When the look was made. */
  at: string;
  source: 'step1' | 'rollback' | 'hands_on' | 'close_watch';
  /** The close watch's health probe answered healthy (absent for Step 1: its card says more). */
  healthy?: boolean;
  /** The rollback whose steps looked (or after which production was changed by hand). */
  rollbackId?: string;
}

export type HomeGate =
  | { open: true }
  | {
      open: false;
      reason: 'rollback_in_progress' | 'rolled_back' | 'rollback_failed';
      since: string;
      rollbackId: string;
      card: MessageRef | null;
    };

export interface HomeRollback {
  id: string;
  status: Status;
  dryRun: boolean;
  requestedAt: string;
  endedAt: string | null;
  card: MessageRef | null;
}

export interface HomeActive extends HomeRollback {
  /** The runbook step running now; null between steps (e.g. awaiting approval). */
  step: StepName | null;
}

export interface HomeEnvironment {
  name: string;
  running: RunningNow | null;
  gate: HomeGate;
  active: HomeActive | null;
  /** The last three finished rollbacks, newest first. */
  recent: HomeRollback[];
  /** The viewer may unlock it: the gate is shut by a finished rollback and they are one of its incident commanders. */
  mayUnlock: boolean;
}

export interface HomeDashboard {
  userId: string;
  /** When it was computed (ages are said from here). */
  at: string;
  /** Every configured environment, in the config's order; the renderer pages through them. */
  environments: HomeEnvironment[];
  /** The page the viewer asked for (0-based); the renderer keeps it within range. */
  page: number;
  /** The outcome of the viewer's last action on the Home tab (plain text, escaped when shown). */
  notice: string | null;
}
