/**
 * What can happen to a rollback, named in the past tense: each event carries its own time (`at`), so that
 * transition() needs no clock. Which state takes which event, and where it leads, is rollback.transitions.ts.
 */
import type { ChecklistKey } from './checklist-items';
import type { HandsOnChange } from './facts';
import type { Findings, ServiceResult, ServiceVersion, VerificationEvidence } from './findings';
import type { Deployment, GitHubDeploymentState, MessageRef, StepName } from './rollback';
import type { Risk } from './risks';

export type RollbackEvent =
  | { type: 'CardPosted'; at: string; card: MessageRef }
  | { type: 'ConfirmationStarted'; at: string }
  | { type: 'IssueConfirmed'; at: string; findings: Findings & { target: string } }
  | { type: 'ConfirmationFailed'; at: string; reason: string; code?: string; findings: Findings | null }
  | { type: 'ApprovalGranted'; at: string; by: string }
  | { type: 'ApprovalRefused'; at: string; by: string; action: 'approve' | 'cancel' | 'tick'; why: string }
  | { type: 'ChecklistPosted'; at: string; message: MessageRef }
  | { type: 'RootCauseCleared'; at: string; by: string; why?: string }
  | { type: 'DryRunReported'; at: string; plan: string }
  | { type: 'ChecklistItemTicked'; at: string; by: string; item: ChecklistKey; link?: string }
  /** Someone asked for another rollback of the environment while this one was active. */
  | { type: 'RequestRefused'; at: string; by: string; why: string }
  | { type: 'RollbackInterrupted'; at: string; reason: string; services: ServiceVersion[] }
  | { type: 'RiskAcknowledged'; at: string; by: string; risk: Risk }
  | { type: 'StepOverran'; at: string; step: StepName; budgetMs: number; factor: number }
  | { type: 'RollbackCancelled'; at: string; by: string; why?: string }
  /** Four eyes: the first incident commander's Approve, waiting for a second one. */
  | { type: 'ApprovalRecorded'; at: string; by: string }
  /** Nobody approved within the configured time. */
  | { type: 'ApprovalExpired'; at: string; afterMs: number }
  /**
   * What runs now differs from what Step 1 found: Step 1 runs again before anyone can approve. `by`: who pressed
   * Approve when the bot found out; absent when the platform's events told it (`changes`: what changed, from → to).
   */
  | { type: 'ProductionChanged'; at: string; by?: string; services: ServiceVersion[]; changes?: HandsOnChange[] }
  /** Step 3 may or may not have changed production, and the bot cannot find out: a person must look. */
  | { type: 'OutcomeUnknown'; at: string; reason: string; services: ServiceVersion[] }
  /** An incident commander looked and releases the environment's lock. */
  | { type: 'LockReleased'; at: string; by: string; why?: string }
  /** After-care undone when the action it stood for failed (the tick was taken first, so two clicks act once). */
  | { type: 'ChecklistItemUnticked'; at: string; item: ChecklistKey; why: string }
  /** The incident ticket's address, once it is open. */
  | { type: 'TicketLinked'; at: string; url: string }
  /** What the bot tells GitHub of the rollback (its GitHub Deployment), each move claimed before the call. */
  | { type: 'GitHubDeploymentMoved'; at: string; state: GitHubDeploymentState; id?: number; url?: string }
  | { type: 'RollbackAnnounced'; at: string; message: MessageRef }
  | { type: 'AnnouncementFailed'; at: string; step: 'announce' | 'complete'; reason: string }
  | { type: 'DeploymentStarted'; at: string; deployment: Deployment }
  | { type: 'ServicesRolledBack'; at: string; results: ServiceResult[] }
  | { type: 'ExecutionFailed'; at: string; reason: string; code?: string; results: ServiceResult[] }
  | { type: 'RollbackVerified'; at: string; evidence: VerificationEvidence }
  | { type: 'VerificationFailed'; at: string; reason: string; evidence: VerificationEvidence }
  | { type: 'ResolutionAnnounced'; at: string; message: MessageRef }
  /**
   * Production changed without the bot (noticed from the platform's events) while this rollback was in progress:
   * audit only. After it ended, while its mark keeps deploys locked (`gated`): kept on it (`changedSince`).
   */
  | { type: 'HandsOnChange'; at: string; changes: HandsOnChange[]; gated: boolean };
export type EventType = RollbackEvent['type'];

/** Who did what, for the timeline: the user behind an event, if any. */
export function actorOf(event: RollbackEvent): string | null {
  return 'by' in event ? (event.by ?? null) : null;
}
