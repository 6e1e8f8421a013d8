/**
 * The runbook's Option C — "Run workflow" on the CI/CD Pipeline workflow — through GitHub's REST API:
 * `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches`, then the run followed to its conclusion.
 */
import type { AxiosInstance, AxiosResponse } from 'axios';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import { humanUtc } from '../../domain/time';
import type { WorkflowRun, WorkflowRunner } from '../../ports';
import { describeHttpFailure } from '../http/http.health-probe';
import { type GitHubRepoOptions, repoClient } from './github.code-host';

interface ApiRun {
  id: number;
  html_url: string;
  status: string | null;
  conclusion: string | null;
  created_at: string;
  event?: string;
  actor?: { login?: string } | null;
  triggering_actor?: { login?: string } | null;
}

const toRun = (r: ApiRun): WorkflowRun => ({
  id: r.id,
  url: r.html_url,
  status: r.status ?? 'unknown',
  conclusion: r.conclusion ?? null,
  createdAt: r.created_at,
  actor: r.triggering_actor?.login ?? r.actor?.login ?? null,
});

/** GitHub's answer in a sentence someone in an incident can act on. */
export function explainGitHub(res: AxiosResponse<{ message?: string } | undefined>, what: string): RollbackBotError {
  const message = typeof res.data === 'object' && res.data?.message ? `: ${res.data.message}` : '';
  const remaining = res.headers['x-ratelimit-remaining'];
  const retryAfter = Number(res.headers['retry-after']);
  const reset = Number(res.headers['x-ratelimit-reset']);
  if (
    res.status === 429 ||
    (res.status === 403 && (remaining === '0' || (Number.isFinite(retryAfter) && retryAfter > 0)))
  ) {
    const when =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? `retry after ${retryAfter} s`
        : Number.isFinite(reset) && reset > 0
          ? `the limit resets at ${humanUtc(reset * 1000)}`
          : 'retry later';
    return new RollbackBotError(
      ErrorCode.WorkflowRateLimited,
      `GitHub's API rate limit was hit while ${what} (${when})`,
    );
  }
  const meaning: Record<number, string> = {
    401: 'the GitHub token was refused (expired or wrong: check GITHUB_TOKEN)',
    403: 'the GitHub token may not do this (it needs the actions:write permission, or the repo scope)',
    404: 'the repository or workflow was not found (or the token cannot see it)',
    422: 'GitHub refused the request as invalid (check the workflow has a workflow_dispatch trigger with these inputs, and the ref exists)',
  };
  return new RollbackBotError(
    ErrorCode.WorkflowFailed,
    `${what}: HTTP ${res.status}, ${meaning[res.status] ?? 'unexpected answer'}${message}`,
  );
}

export interface GitHubWorkflowOptions extends GitHubRepoOptions {
  /** The workflow's file name or id. */
  workflow: string;
}

export class GitHubWorkflowRunner implements WorkflowRunner {
  private readonly http: AxiosInstance;
  private readonly root: AxiosInstance;
  private readonly timeoutMs: number;
  private readonly workflow: string;

  constructor(private readonly opts: GitHubWorkflowOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.http = repoClient({ ...opts, timeoutMs: this.timeoutMs });
    this.root = repoClient({ ...opts, timeoutMs: this.timeoutMs });
    this.root.defaults.baseURL = opts.apiUrl.replace(/\/+$/, '');
    this.workflow = encodeURIComponent(opts.workflow);
  }

  private async call<T>(
    what: string,
    send: (signal: AbortSignal) => Promise<AxiosResponse<T>>,
  ): Promise<AxiosResponse<T>> {
    try {
      return await send(AbortSignal.timeout(this.timeoutMs));
    } catch (err) {
      throw new RollbackBotError(
        ErrorCode.WorkflowFailed,
        `GitHub did not answer while ${what}: ${describeHttpFailure(err, this.timeoutMs)}`,
        { cause: err },
      );
    }
  }

  async check(): Promise<string> {
    const what = `reading workflow ${this.opts.workflow} of ${this.opts.repo}`;
    const res = await this.call(what, (signal) =>
      this.http.get<{ name?: string; state?: string; message?: string }>(`/actions/workflows/${this.workflow}`, {
        signal,
      }),
    );
    if (res.status !== 200) throw explainGitHub(res, what);
    if (res.data.state && res.data.state !== 'active') {
      throw new RollbackBotError(
        ErrorCode.WorkflowFailed,
        `the workflow "${res.data.name ?? this.opts.workflow}" of ${this.opts.repo} is ${res.data.state.replace(/_/g, ' ')}: enable it in GitHub first`,
      );
    }
    return `"${res.data.name ?? this.opts.workflow}" in ${this.opts.repo} (${res.data.state ?? 'state unknown'})`;
  }

  async dispatch(ref: string, inputs: Record<string, string>): Promise<WorkflowRun | null> {
    const what = `dispatching workflow ${this.opts.workflow} of ${this.opts.repo}`;
    const send = (body: Record<string, unknown>) =>
      this.call(what, (signal) =>
        this.http.post<{ workflow_run_id?: number; html_url?: string; message?: string } | undefined>(
          `/actions/workflows/${this.workflow}/dispatches`,
          body,
          { signal },
        ),
      );
    // Since February 2026 GitHub can say which run a dispatch created; older servers (GHES) refuse the parameter.
    let res = await send({ ref, inputs, return_run_details: true });
    if ((res.status === 400 || res.status === 422) && /return_run_details/i.test(JSON.stringify(res.data ?? '')))
      res = await send({ ref, inputs });
    if (res.status === 204) return null;
    if (res.status === 200 && res.data?.workflow_run_id) {
      return {
        id: res.data.workflow_run_id,
        url: res.data.html_url ?? '',
        status: 'queued',
        conclusion: null,
        createdAt: new Date().toISOString(),
        actor: null,
      };
    }
    if (res.status === 200) return null;
    throw explainGitHub(res, what);
  }

  async recentRuns(since: Date): Promise<WorkflowRun[]> {
    const what = `listing the runs of workflow ${this.opts.workflow}`;
    const res = await this.call(what, (signal) =>
      this.http.get<{ workflow_runs?: ApiRun[]; message?: string }>(`/actions/workflows/${this.workflow}/runs`, {
        params: {
          event: 'workflow_dispatch',
          created: `>=${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
          per_page: 30,
        },
        signal,
      }),
    );
    if (res.status !== 200) throw explainGitHub(res, what);
    return (res.data.workflow_runs ?? []).map(toRun);
  }

  async getRun(id: number): Promise<WorkflowRun> {
    const what = `reading workflow run ${id}`;
    const res = await this.call(what, (signal) =>
      this.http.get<ApiRun & { message?: string }>(`/actions/runs/${id}`, { signal }),
    );
    if (res.status !== 200) throw explainGitHub(res, what);
    return toRun(res.data);
  }

  async actor(): Promise<string | null> {
    const res = await this.call('asking GitHub who the token is', (signal) =>
      this.root.get<{ login?: string }>('/user', { signal }),
    ).catch(() => null);
    return res?.status === 200 && res.data.login ? res.data.login : null;
  }
}
