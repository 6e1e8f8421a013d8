/**
 * What people can ask of the bot, in one place for the listeners: each call goes to its use case
 * (./use-cases/: requests, approval, after-care, queries, resuming). Nothing here knows about Slack payloads.
 */
import type { ChecklistKey } from '../domain/checklist';
import type { Rollback } from '../domain/rollback';
import type { AlertRecord } from '../ports';
import type { Risk } from '../domain/risks';
import type { RunbookDeps } from './engine/context';
import { RateLimiter } from './policies/limits';
import type { RollbackRunner } from './steps/runner';
import { AfterCare } from './use-cases/after-care';
import { Approvals } from './use-cases/approval';
import { Home } from './use-cases/home';
import { Queries } from './use-cases/queries';
import { Requests } from './use-cases/requests';
import { Resume } from './use-cases/resume';
import { type DeployInput, type DeployOutcome, Deploys } from './use-cases/deploys';
import type { DeployGate } from './use-cases/queries';
import type { Outcome, RollbackRequest, Viewer } from './use-cases/use-case';

export { newRollbackId, type Outcome, type RollbackRequest, type Viewer } from './use-cases/use-case';

export class RollbackService {
  private readonly requests: Requests;
  private readonly approvals: Approvals;
  private readonly afterCare: AfterCare;
  private readonly queries: Queries;
  private readonly resume: Resume;
  private readonly deploys: Deploys;
  private readonly home: Home;

  constructor(deps: RunbookDeps, runner: RollbackRunner) {
    const { refusals } = deps.config.limits;
    const ctx = { deps, runner, refusals: new RateLimiter(refusals.count, refusals.window_minutes * 60_000) };
    this.requests = new Requests(ctx);
    this.approvals = new Approvals(ctx);
    this.afterCare = new AfterCare(ctx);
    this.queries = new Queries(ctx);
    this.resume = new Resume(ctx);
    this.deploys = new Deploys(ctx);
    this.home = new Home(ctx, this.afterCare);
  }

  request(req: RollbackRequest): Promise<Outcome> {
    return this.requests.request(req);
  }
  report(req: { environment: string; text: string; userId: string }) {
    return this.requests.report(req);
  }
  proposalFor(environment: string): Promise<string | null> {
    return this.requests.proposalFor(environment);
  }
  precheck(environment: string): Promise<string | null> {
    return this.requests.precheck(environment);
  }

  approve(id: string, userId: string): Promise<Outcome> {
    return this.approvals.approve(id, userId);
  }
  cancel(id: string, userId: string): Promise<Outcome> {
    return this.approvals.cancel(id, userId);
  }
  acknowledge(id: string, userId: string, risk: Risk): Promise<Outcome> {
    return this.approvals.acknowledge(id, userId, risk);
  }
  expireStale(): Promise<Rollback[]> {
    return this.approvals.expireStale();
  }

  tick(id: string, userId: string, item: ChecklistKey): Promise<Outcome> {
    return this.afterCare.tick(id, userId, item);
  }
  schedulePostmortem(id: string, userId: string): Promise<Outcome> {
    return this.afterCare.schedulePostmortem(id, userId);
  }
  createTicket(id: string, userId: string): Promise<Outcome> {
    return this.afterCare.createTicket(id, userId);
  }
  releaseLock(id: string, userId: string): Promise<Outcome> {
    return this.afterCare.releaseLock(id, userId);
  }
  clearRootCause(id: string, userId: string): Promise<Outcome> {
    return this.afterCare.clearRootCause(id, userId);
  }
  unlock(environment: string, userId: string, why: string): Promise<Outcome> {
    return this.afterCare.unlock(environment, userId, why);
  }
  deployGate(environment: string): Promise<DeployGate | null> {
    return this.queries.deployGate(environment);
  }
  reportDeploy(input: DeployInput, caller: string): Promise<DeployOutcome> {
    return this.deploys.report(input, caller, (env) => this.queries.deployGate(env));
  }

  status(
    recentLimit?: number,
  ): Promise<{ active: Rollback[]; recent: Rollback[]; marked: Rollback[]; alerts?: AlertRecord[] }> {
    return this.queries.status(recentLimit);
  }
  history(environment: string | null, viewer: Viewer, limit?: number): Promise<Rollback[]> {
    return this.queries.history(environment, viewer, limit);
  }
  timeline(id: string, viewer: Viewer) {
    return this.queries.timeline(id, viewer);
  }

  /** The Home tab: opened (drawn at once, kept fresh for a while), paged, an environment unlocked from it. */
  homeOpened(userId: string): Promise<void> {
    return this.home.opened(userId);
  }
  homePage(userId: string, page: number): Promise<void> {
    return this.home.page(userId, page);
  }
  unlockFromHome(environment: string, userId: string, reason: string): Promise<Outcome> {
    return this.home.unlock(environment, userId, reason);
  }
  /** Something the Home tab shows changed: the open ones are redrawn (coalesced, in the background). */
  homeChanged(): void {
    this.home.changed();
  }

  resumeOrphans(): Promise<Rollback[]> {
    return this.resume.resumeOrphans();
  }
}
