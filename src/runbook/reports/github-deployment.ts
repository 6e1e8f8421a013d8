/**
 * GitHub knows what the bot knows: each approved rollback of an environment with `github:` becomes a GitHub
 * Deployment of its target (the commit CI reported for that version, else the tag), moved in_progress when Step 3
 * starts, then success once Step 4 verified it (and the deployment of the version rolled back from marked inactive)
 * or failure. GitHub's environment page then shows the truth, and the card links it.
 *
 * None of it may hold up or fail a rollback: it runs beside the runbook (record()'s after-care only nudges it), one
 * rollback at a time and in order, every call bounded by the adapter's timeout; GitHub down is a threaded note.
 * Each move is claimed in the store first (compare-and-set), so two replicas or a restart tell GitHub once.
 */
import { describeError } from '../../domain/errors';
import {
  type GitHubDeploymentState,
  isTerminal,
  type MessageRef,
  TERMINAL_STATUSES,
  type Rollback,
  versionsLeft,
} from '../../domain/rollback';
import type { DeploymentHistory } from '../../ports';
import { nowIso, type RunbookDeps } from '../engine/context';
import { record } from '../engine/record';
import { tell } from '../policies/audience';

export interface GitHubFollowerOptions {
  /** The card's address for people outside Slack (its permalink). */
  cardLink: (card: MessageRef) => string;
  /** The environment's GitHub Deployments, when it has `github:`. */
  deploymentsFor: (environment: string) => DeploymentHistory | null;
}

/** What is due on GitHub for the rollback as it stands: nothing, the deployment, or its final state. */
export function dueOnGitHub(r: Rollback): 'create' | 'settle' | null {
  if (r.dryRun || !r.approvedBy || !r.target) return null;
  const d = r.githubDeployment;
  if (!d) return r.steps.execute.status !== 'pending' ? 'create' : null;
  return d.state === 'in_progress' && isTerminal(r.status) ? 'settle' : null;
}

export class GitHubFollower {
  /** One chain per rollback, so its moves reach GitHub in order; a nudge while one is queued adds nothing. */
  private readonly chains = new Map<string, { running: Promise<void>; queued: boolean }>();

  /** `deps` is kept as given, not copied: its after-care (set once everything is built) runs on our own moves too. */
  constructor(
    private readonly deps: RunbookDeps,
    private readonly opts: GitHubFollowerOptions,
  ) {}

  /** Called after every stored event (record()'s after-care): returns at once; the calls run beside the runbook. */
  nudge(r: Rollback): void {
    if (!dueOnGitHub(r) || !this.opts.deploymentsFor(r.environment)) return;
    const chain = this.chains.get(r.id);
    if (chain?.queued) return;
    const after = chain?.running ?? Promise.resolve();
    const entry = { running: Promise.resolve(), queued: true };
    entry.running = after.then(async () => {
      entry.queued = false;
      try {
        await this.sync(r.id);
      } catch (err) {
        this.deps.log.warn({ err, rollbackId: r.id }, 'could not tell GitHub of the rollback');
      } finally {
        if (this.chains.get(r.id) === entry) this.chains.delete(r.id);
      }
    });
    this.chains.set(r.id, entry);
  }

  /**
   * After a restart nothing moves a rollback that ended while the bot was down: the sweep nudges the newest ended
   * ones, and those GitHub still shows in progress are settled.
   */
  async catchUp(limit = 20): Promise<void> {
    const ended = await this.deps.rollbacks.list({ statuses: TERMINAL_STATUSES, limit });
    for (const r of ended) this.nudge(r);
  }

  /** Resolves when every queued move was tried (tests; a graceful stop waits for it, bounded). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()].map((c) => c.running));
  }

  private async sync(id: string): Promise<void> {
    const r = await this.deps.rollbacks.get(id);
    const history = r ? this.opts.deploymentsFor(r.environment) : null;
    if (!r || !history) return;
    const due = dueOnGitHub(r);
    if (due === 'create') await this.create(r, history);
    else if (due === 'settle') await this.settle(r, history);
  }

  /** Records a move (the claim, or what GitHub answered); null when another replica or an earlier call took it. */
  private async move(id: string, state: GitHubDeploymentState, extra: { id?: number; url?: string } = {}) {
    const applied = await record(
      this.deps,
      id,
      { type: 'GitHubDeploymentMoved', at: nowIso(this.deps.clock), state, ...extra },
      // The card shows the link (and the state) once GitHub has it; the claims themselves are bookkeeping.
      { tell: state !== 'creating' && state !== 'unavailable' },
    );
    return applied.ok ? applied.rollback : null;
  }

  private async untold(r: Rollback, what: string, err: unknown): Promise<void> {
    this.deps.log.warn({ err, rollbackId: r.id, environment: r.environment }, `GitHub was not told ${what}`);
    await tell(this.deps, r, {
      type: 'Note',
      at: nowIso(this.deps.clock),
      fact: { kind: 'github_untold', what, error: describeError(err) },
    });
  }

  /** The commit CI reported for `version` (newest report), else the tag itself. */
  private async refOf(r: Rollback, version: string): Promise<{ ref: string; refs: string[] }> {
    const commits = (await this.deps.deploys?.deployedCommits(r.environment, version, 1).catch(() => [])) ?? [];
    return { ref: commits[0] ?? version, refs: [...commits.slice(0, 1), version] };
  }

  private async create(r: Rollback, history: DeploymentHistory): Promise<void> {
    const claimed = await this.move(r.id, 'creating');
    if (!claimed || !r.target) return;
    const card = r.card ? this.opts.cardLink(r.card) : undefined;
    try {
      const { ref } = await this.refOf(r, r.target);
      const created = await history.create({
        ref,
        environment: r.environment,
        description: `Rollback ${r.id} to ${r.target}`,
        payload: {
          rollback: {
            id: r.id,
            version: r.target,
            from: versionsLeft(r),
            reason: r.reason.slice(0, 500),
            approved_by: r.approvedBy,
            ...(card ? { card } : {}),
          },
        },
      });
      const moved = await this.move(r.id, 'in_progress', created);
      try {
        await history.setState(created.id, 'in_progress', {
          description: `Rolling back to ${r.target}`,
          ...(card ? { link: card } : {}),
        });
      } catch (err) {
        await this.untold(moved ?? claimed, 'that the rollback is in progress', err);
      }
    } catch (err) {
      const gaveUp = await this.move(r.id, 'unavailable');
      await this.untold(gaveUp ?? claimed, `of this rollback (no GitHub deployment of ${r.target})`, err);
    }
  }

  private async settle(r: Rollback, history: DeploymentHistory): Promise<void> {
    const ok = r.status === 'completed';
    const settled = await this.move(r.id, ok ? 'success' : 'failure');
    const id = r.githubDeployment?.id;
    if (!settled || !id) return;
    const card = r.card ? this.opts.cardLink(r.card) : undefined;
    try {
      await history.setState(id, ok ? 'success' : 'failure', {
        description: ok ? `Rolled back to ${r.target}, verified` : `Rollback ${r.status}: ${r.failure?.reason ?? ''}`,
        ...(card ? { link: card } : {}),
      });
    } catch (err) {
      await this.untold(settled, `that the rollback ${ok ? 'succeeded' : 'ended ' + r.status}`, err);
      return;
    }
    if (!ok) return;
    // What it rolled back from no longer runs: its deployment goes inactive (the newest one of that version).
    const from = r.results?.[0]?.fromVersion ?? versionsLeft(r)[0];
    if (!from) return;
    try {
      const { refs } = await this.refOf(r, from);
      const previous = await history.latest(r.environment, refs, id);
      if (previous === null) {
        this.deps.log.info({ rollbackId: r.id, from }, 'no GitHub deployment of the version rolled back from');
        return;
      }
      await history.setState(previous, 'inactive', { description: `Rolled back to ${r.target} (${r.id})` });
    } catch (err) {
      await this.untold(settled, `that ${from} no longer runs (its deployment stays active)`, err);
    }
  }
}
