/**
 * The bot as a GitHub App. @octokit/auth-app signs the App's JWT (RS256, with the private key) and keeps each
 * installation's token until shortly before it expires; its one call — `POST /app/installations/{id}/access_tokens`
 * — goes through our own client, so it has our timeout, our api_url (GitHub Enterprise Server) and our error
 * sentences. The installation token then carries the deploy gate's answers and the Deployments' calls.
 */
import { createAppAuth, type StrategyOptions } from '@octokit/auth-app';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import type { DeploymentReview, DeploymentReviews } from '../../ports';
import { describeHttpFailure } from '../http/http.health-probe';

export interface GitHubAppOptions {
  appId: number;
  privateKey: string;
  apiUrl: string;
  /** Each call's limit (the token, the answer, the installation lookup). */
  timeoutMs: number;
  /** The installation to act as when a call does not name one (Deployments); else asked of GitHub per repository. */
  installationId?: number;
}

const ACCESS_TOKENS = 'POST /app/installations/{installation_id}/access_tokens';

/** GitHub's refusal in a sentence (never the token). */
export function githubRefused(res: AxiosResponse<unknown>, what: string): RollbackBotError {
  const data = res.data as { message?: unknown } | undefined;
  const said = typeof data?.message === 'string' ? `: ${data.message.slice(0, 300)}` : '';
  const meaning: Record<number, string> = {
    401: 'the App was refused (check app_id and the private key, and the clock)',
    403: 'the App may not do this (check its permissions: deployments write, actions read)',
    404: 'not found (is the App installed on the repository?)',
    422: 'GitHub refused the request as invalid',
  };
  return new RollbackBotError(
    ErrorCode.CodeHostFailed,
    `${what}: HTTP ${res.status}, ${meaning[res.status] ?? 'unexpected answer'}${said}`,
  );
}

export class GitHubApp implements DeploymentReviews {
  private readonly http: AxiosInstance;
  private readonly auth: ReturnType<typeof createAppAuth>;
  private readonly apiUrl: string;
  private readonly installations = new Map<string, number>();

  constructor(private readonly opts: GitHubAppOptions) {
    this.apiUrl = opts.apiUrl.replace(/\/+$/, '');
    this.http = axios.create({
      baseURL: this.apiUrl,
      timeout: opts.timeoutMs,
      headers: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': 'rollback-bot',
      },
      validateStatus: () => true,
      maxRedirects: 0,
    });
    this.auth = createAppAuth({
      appId: opts.appId,
      privateKey: opts.privateKey,
      request: this.accessTokenRequest() as unknown as StrategyOptions['request'],
      log: { warn: () => undefined },
    });
  }

  /** The one request auth-app makes for an installation token, sent by our client. */
  private accessTokenRequest() {
    return async (route: string, params: { installation_id: number; headers: { authorization: string } }) => {
      if (route !== ACCESS_TOKENS) throw new Error(`unexpected GitHub App request ${route}`);
      const what = `getting an installation token (installation ${params.installation_id})`;
      const res = await this.send(what, (signal) =>
        this.http.post<{ token?: string; expires_at?: string }>(
          `/app/installations/${params.installation_id}/access_tokens`,
          {},
          { headers: { Authorization: params.headers.authorization }, signal },
        ),
      );
      if (res.status !== 201 || !res.data?.token) throw githubRefused(res, what);
      return { data: res.data };
    };
  }

  private async send<T>(what: string, call: (signal: AbortSignal) => Promise<AxiosResponse<T>>) {
    try {
      return await call(AbortSignal.timeout(this.opts.timeoutMs));
    } catch (err) {
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `GitHub did not answer while ${what}: ${describeHttpFailure(err, this.opts.timeoutMs)}`,
        { cause: err },
      );
    }
  }

  /** An installation token (cached by auth-app until near its expiry). */
  async installationToken(installationId: number): Promise<string> {
    try {
      const { token } = await this.auth({ type: 'installation', installationId });
      return token;
    } catch (err) {
      if (err instanceof RollbackBotError) throw err;
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `the GitHub App could not sign in: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  /** The token to act on `repo` with: the configured installation's, else the one GitHub says covers the repo. */
  async tokenFor(repo: string): Promise<string> {
    return this.installationToken(this.opts.installationId ?? (await this.installationOf(repo)));
  }

  private async installationOf(repo: string): Promise<number> {
    const known = this.installations.get(repo);
    if (known) return known;
    const { token: jwt } = await this.auth({ type: 'app' });
    const what = `asking GitHub which installation of the App covers ${repo}`;
    const res = await this.send(what, (signal) =>
      this.http.get<{ id?: number }>(`/repos/${repo}/installation`, {
        headers: { Authorization: `Bearer ${jwt}` },
        signal,
      }),
    );
    if (res.status !== 200 || typeof res.data?.id !== 'number') throw githubRefused(res, what);
    this.installations.set(repo, res.data.id);
    return res.data.id;
  }

  /**
   * The deploy gate's answer to a protection rule. The callback must be GitHub's own (the configured api_url): the
   * installation token goes nowhere else, whatever a payload says.
   */
  async answer(review: DeploymentReview): Promise<void> {
    const path = review.callbackUrl.startsWith(`${this.apiUrl}/repos/`)
      ? review.callbackUrl.slice(this.apiUrl.length)
      : null;
    if (!path || !/^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+\/deployment_protection_rule$/.test(path))
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `the webhook's deployment_callback_url is not a protection-rule callback of ${this.apiUrl}: not answered`,
      );
    const token = await this.installationToken(review.installationId);
    const what = `answering the protection rule of ${review.environment}`;
    const res = await this.send(what, (signal) =>
      this.http.post(
        path,
        { environment_name: review.environment, state: review.state, comment: review.comment },
        { headers: { Authorization: `token ${token}` }, signal },
      ),
    );
    if (res.status !== 204 && res.status !== 200) throw githubRefused(res, what);
  }
}
