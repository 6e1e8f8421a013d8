/**
 * GitHub Deployments of one repository: `POST /repos/{owner}/{repo}/deployments`, its statuses, and the list of an
 * environment's deployments. The token comes from a function: a configured token, or the GitHub App's installation
 * token (fresh from its cache on every call).
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import type { DeploymentHistory, DeploymentState } from '../../ports';
import { describeHttpFailure } from '../http/http.health-probe';
import { githubRefused } from './github.app';

export interface GitHubDeploymentsOptions {
  apiUrl: string;
  repo: string;
  token: () => Promise<string>;
  timeoutMs: number;
}

/** The web page of a repository's deployments to an environment (github.com, or a GitHub Enterprise Server). */
export function environmentPage(apiUrl: string, repo: string, environment: string): string {
  const api = apiUrl.replace(/\/+$/, '');
  const web = api === 'https://api.github.com' ? 'https://github.com' : api.replace(/\/api\/v3$/, '');
  return `${web}/${repo}/deployments/${encodeURIComponent(environment)}`;
}

export class GitHubDeployments implements DeploymentHistory {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: GitHubDeploymentsOptions) {
    this.http = axios.create({
      baseURL: `${opts.apiUrl.replace(/\/+$/, '')}/repos/${opts.repo}`,
      timeout: opts.timeoutMs,
      headers: {
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': 'rollback-bot',
      },
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  private async send<T>(what: string, call: (auth: string, signal: AbortSignal) => Promise<AxiosResponse<T>>) {
    const token = await this.opts.token();
    try {
      return await call(`Bearer ${token}`, AbortSignal.timeout(this.opts.timeoutMs));
    } catch (err) {
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `GitHub did not answer while ${what}: ${describeHttpFailure(err, this.opts.timeoutMs)}`,
        { cause: err },
      );
    }
  }

  async create(d: {
    ref: string;
    environment: string;
    description: string;
    payload: Record<string, unknown>;
  }): Promise<{ id: number; url: string }> {
    const what = `creating a GitHub deployment of ${d.ref} in ${this.opts.repo}`;
    const res = await this.send(what, (Authorization, signal) =>
      this.http.post<{ id?: number }>(
        '/deployments',
        {
          ref: d.ref,
          environment: d.environment,
          description: d.description.slice(0, 140),
          payload: d.payload,
          task: 'deploy:rollback',
          // A rollback deploys what ran before: no merge of the default branch into it, no status checks to wait for.
          auto_merge: false,
          required_contexts: [],
        },
        { headers: { Authorization }, signal },
      ),
    );
    if (res.status !== 201 || typeof res.data?.id !== 'number') throw githubRefused(res, what);
    return { id: res.data.id, url: environmentPage(this.opts.apiUrl, this.opts.repo, d.environment) };
  }

  async setState(id: number, state: DeploymentState, d: { description: string; link?: string }): Promise<void> {
    const what = `marking GitHub deployment ${id} ${state.replace('_', ' ')}`;
    const res = await this.send(what, (Authorization, signal) =>
      this.http.post(
        `/deployments/${id}/statuses`,
        {
          state,
          description: d.description.slice(0, 140),
          ...(d.link ? { log_url: d.link } : {}),
          // Only the one the bot names goes inactive (the version rolled back from), never the others by default.
          auto_inactive: false,
        },
        { headers: { Authorization }, signal },
      ),
    );
    if (res.status !== 201) throw githubRefused(res, what);
  }

  async latest(environment: string, refs: string[], except: number): Promise<number | null> {
    const what = `listing the GitHub deployments of ${environment}`;
    const res = await this.send(what, (Authorization, signal) =>
      this.http.get<Array<{ id: number; ref?: string; sha?: string }>>('/deployments', {
        params: { environment, per_page: 30 },
        headers: { Authorization },
        signal,
      }),
    );
    if (res.status !== 200 || !Array.isArray(res.data)) throw githubRefused(res, what);
    const wanted = refs.filter((r) => r.length > 0);
    const match = res.data.find(
      (d) =>
        d.id !== except &&
        wanted.some(
          (r) =>
            d.ref === r || (/^[0-9a-f]{7,40}$/i.test(r) && (d.sha ?? '').toLowerCase().startsWith(r.toLowerCase())),
        ),
    );
    return match?.id ?? null;
  }
}
