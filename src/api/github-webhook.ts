/**
 * `POST /api/v1/github/webhook`: the deploy gate enforced by GitHub itself, as a custom deployment protection rule.
 * A GitHub Actions job that targets an environment the config maps (`environments.<name>.github.repo`) waits at
 * GitHub's own gate until the bot answers: `approved` while the gate is open, `rejected` with the gate's message and
 * the card's link while it is shut. No CI script changes.
 *
 * The signature (X-Hub-Signature-256, HMAC-SHA256 of the exact body with the App's webhook secret) is checked by
 * @octokit/webhooks in constant time before anything else; a bad one gets 401 and nothing is called. A delivery
 * GitHub sends again (same X-GitHub-Delivery) is answered once: its id is kept in the store's delivery log.
 */
import { isUtf8 } from 'node:buffer';
import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import type { DeploymentReviews, Log } from '../ports';
import type { DeployGate } from '../runbook/use-cases/queries';
import type { ApiRequest, ApiResponse } from './api.wire';

export interface GitHubWebhookDeps {
  /** The App's webhook secret. */
  secret: string;
  /** Which of the config's environments each repository's GitHub environment is. */
  environments: Array<{ name: string; repo: string }>;
  deployGate(environment: string): Promise<DeployGate | null>;
  /** The gate's sentence and the card's link, when it is shut. */
  lockedWords(
    environment: string,
    gate: Extract<DeployGate, { open: false }>,
  ): { message: string; card: string | null };
  reviews: DeploymentReviews;
  /** False when the key was seen before (store-wide, across replicas). */
  firstDelivery(key: string): Promise<boolean>;
  log: Log;
  /** How long the webhook waits for GitHub to take the answer before it says 202 (default ANSWER_WITHIN_MS). */
  answerWithinMs?: number;
}

/** Under the front's wait for the work side (5 s, replica/ipc-link.ts) and GitHub's for the webhook (10 s). */
export const ANSWER_WITHIN_MS = 4000;

const protectionRule = z.object({
  action: z.string(),
  environment: z.string().min(1).max(255),
  deployment_callback_url: z.string().url(),
  repository: z.object({ full_name: z.string().min(3) }),
  installation: z.object({ id: z.number().int().positive() }),
});

/** GitHub shows the comment on the run; long enough for the gate's sentence and the link, no longer. */
const COMMENT_MAX = 1000;

const answer = (status: number, body: Record<string, unknown>): ApiResponse => ({ status, body });

export class GitHubWebhook {
  private readonly webhooks: Webhooks;
  private readonly answerWithinMs: number;

  constructor(private readonly deps: GitHubWebhookDeps) {
    this.webhooks = new Webhooks({ secret: deps.secret });
    this.answerWithinMs = deps.answerWithinMs ?? ANSWER_WITHIN_MS;
  }

  async handle(req: ApiRequest): Promise<ApiResponse> {
    if (req.method !== 'POST')
      return { ...answer(405, { error: 'method_not_allowed', message: 'POST only.' }), headers: { Allow: 'POST' } };
    const h = req.headers ?? {};
    const signature = h['x-hub-signature-256'] ?? '';
    const bytes = Buffer.from(req.rawBody ?? '', 'base64');
    // The library signs text as UTF-8: for any other bytes it could not check what GitHub signed, so those are refused.
    const verified =
      signature.startsWith('sha256=') &&
      bytes.length > 0 &&
      isUtf8(bytes) &&
      (await this.webhooks.verify(bytes.toString('utf8'), signature).catch(() => false));
    if (!verified) {
      this.deps.log.warn(
        { remote: req.remote, delivery: h['x-github-delivery'] },
        'GitHub webhook with a bad signature',
      );
      return answer(401, { error: 'bad_signature', message: 'X-Hub-Signature-256 does not match the body.' });
    }
    const event = h['x-github-event'] ?? '';
    const delivery = h['x-github-delivery'] ?? '';
    if (event === 'ping') return answer(200, { ok: true });
    if (event !== 'deployment_protection_rule') return answer(202, { ignored: `event ${event || '(none)'}` });
    let raw: unknown;
    try {
      raw = JSON.parse(bytes.toString('utf8'));
    } catch {
      return answer(400, { error: 'invalid_json', message: 'The body is not JSON.' });
    }
    const parsed = protectionRule.safeParse(raw);
    if (!parsed.success) return answer(400, { error: 'invalid', message: 'Not a deployment_protection_rule payload.' });
    const p = parsed.data;
    if (p.action !== 'requested') return answer(202, { ignored: `action ${p.action}` });
    const env = this.deps.environments.find(
      (e) =>
        e.repo.toLowerCase() === p.repository.full_name.toLowerCase() &&
        e.name.toLowerCase() === p.environment.toLowerCase(),
    );
    if (!env)
      return answer(202, { ignored: `${p.repository.full_name} ${p.environment} is not an environment of the bot` });
    if (!delivery || !(await this.deps.firstDelivery(`github:${delivery}`)))
      return answer(200, { duplicate: true, message: 'This delivery was answered already.' });

    const gate = await this.deps.deployGate(env.name);
    if (!gate) return answer(202, { ignored: `${env.name} has no deploy gate` });
    const review = gate.open
      ? { state: 'approved' as const, comment: `The deploy gate of ${env.name} is open (rollback bot).` }
      : (() => {
          const { message, card } = this.deps.lockedWords(env.name, gate);
          return {
            state: 'rejected' as const,
            comment: `${message}${card ? ` Card: ${card}` : ''}`.slice(0, COMMENT_MAX),
          };
        })();
    const sent = this.deps.reviews
      .answer({
        callbackUrl: p.deployment_callback_url,
        installationId: p.installation.id,
        environment: p.environment,
        ...review,
      })
      .then(
        () => {
          this.deps.log.info(
            { delivery, environment: env.name, state: review.state },
            "answered GitHub's protection rule",
          );
          return true;
        },
        (err: unknown) => {
          this.deps.log.warn({ err, delivery, environment: env.name }, "could not answer GitHub's protection rule");
          return false;
        },
      );
    // The front waits 5 s for the work side, and GitHub 10 s for us: past the deadline the answer goes on its way
    // (each call bounded by its own timeout) and GitHub hears 202 now.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, this.answerWithinMs, 'late')));
    const outcome = await Promise.race([sent, late]);
    clearTimeout(timer);
    if (outcome === 'late') return answer(202, { environment: env.name, state: review.state, sent: 'on its way' });
    if (!outcome)
      return answer(502, { error: 'github_unreachable', message: 'GitHub did not take the answer; re-run the job.' });
    return answer(200, { environment: env.name, state: review.state });
  }
}
