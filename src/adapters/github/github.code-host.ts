import axios, { type AxiosInstance } from 'axios';
import { ErrorCode, RollbackBotError } from '../../domain/errors';
import type { CodeHost, TicketTracker } from '../../ports';
import { describeHttpFailure } from '../http/http.health-probe';

const MEANING: Record<number, string> = {
  401: 'the token was refused (check it)',
  403: 'forbidden or rate limited',
  404: 'repository or version not found (or the token cannot see it)',
  410: 'issues are disabled on this repository',
  422: 'GitHub refused the request as invalid',
};

export interface GitHubRepoOptions {
  apiUrl: string;
  repo: string;
  token: string;
  timeoutMs?: number;
}

/** A client for one repository of GitHub's REST API; every status is handed back to the caller to explain. */
export function repoClient(opts: GitHubRepoOptions): AxiosInstance {
  return axios.create({
    baseURL: `${opts.apiUrl.replace(/\/+$/, '')}/repos/${opts.repo}`,
    timeout: opts.timeoutMs ?? 5000,
    headers: {
      Authorization: `Bearer ${opts.token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'rollback-bot',
    },
    validateStatus: () => true,
  });
}

/** GitHub's REST API: `GET /repos/{owner}/{repo}/compare/{base}...{head}`. */
export class GitHubCodeHost implements CodeHost {
  private readonly http: AxiosInstance;

  constructor(opts: GitHubRepoOptions) {
    this.http = repoClient(opts);
  }

  async changedFiles(base: string, head: string): Promise<string[]> {
    let res;
    try {
      res = await this.http.get<{ files?: Array<{ filename: string }>; message?: string }>(
        `/compare/${encodeURIComponent(base)}...${encodeURIComponent(head)}`,
        {
          signal: AbortSignal.timeout(this.http.defaults.timeout ?? 5000),
        },
      );
    } catch (err) {
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `GitHub did not answer: ${describeHttpFailure(err, this.http.defaults.timeout ?? 5000)}`,
        { cause: err },
      );
    }
    if (res.status !== 200) {
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `GitHub compare ${base}...${head}: HTTP ${res.status}, ${MEANING[res.status] ?? res.data?.message ?? 'unexpected answer'}`,
      );
    }
    return (res.data.files ?? []).map((f) => f.filename);
  }
}

/** GitHub issues as the incident ticket tracker: `POST /repos/{owner}/{repo}/issues`. */
export class GitHubTicketTracker implements TicketTracker {
  private readonly http: AxiosInstance;

  constructor(opts: GitHubRepoOptions) {
    this.http = repoClient(opts);
  }

  async open(ticket: { title: string; body: string; labels: string[] }): Promise<string> {
    let res;
    try {
      res = await this.http.post<{ html_url?: string; message?: string }>('/issues', ticket, {
        signal: AbortSignal.timeout(this.http.defaults.timeout ?? 5000),
      });
    } catch (err) {
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `GitHub did not answer: ${describeHttpFailure(err, this.http.defaults.timeout ?? 5000)}`,
        { cause: err },
      );
    }
    if (res.status !== 201 || !res.data.html_url) {
      throw new RollbackBotError(
        ErrorCode.CodeHostFailed,
        `GitHub refused the issue: HTTP ${res.status}, ${MEANING[res.status] ?? res.data?.message ?? 'unexpected answer'}`,
      );
    }
    return res.data.html_url;
  }
}
