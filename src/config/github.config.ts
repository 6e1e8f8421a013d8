/**
 * GitHub knows what the bot knows: the bot as a GitHub App (`github_app:`, the deploy gate as a custom deployment
 * protection rule) and an environment's repository (`github:`, its GitHub Deployments). The App's private key and
 * webhook secret are read from their files when the config is read, so that the redactor knows them from the start
 * (config/secrets.ts) and a missing file stops the bot with the key named, not at the first webhook.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { httpUrl } from './primitives';

const requestTimeoutMs = z.number().int().min(100).max(30_000).default(5000);

/** A secret file's content, trailing newlines dropped; unreadable or empty is an issue at the key. */
function secretFile(check: (content: string) => string | null) {
  return z.string().transform((file, ctx) => {
    let content: string;
    try {
      content = readFileSync(file, 'utf8').replace(/(\r?\n)+$/, '');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      });
      return z.NEVER;
    }
    const problem = content === '' ? `${file} is empty` : check(content);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return { file, content };
  });
}

/** The bot as a GitHub App: it answers the deployment protection rule of the environments that name a repository. */
export const githubAppSchema = z
  .object({
    app_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "the App's numeric id")]).transform(Number),
    /** The App's private key (PEM), as GitHub gives it for download. */
    private_key_file: secretFile((pem) =>
      /-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)
        ? null
        : "not a PEM private key (download one from the App's settings: Private keys → Generate)",
    ),
    /** The secret GitHub signs each webhook with (the App's "Webhook secret"). */
    webhook_secret_file: secretFile((s) => (s.length < 16 ? 'the webhook secret is shorter than 16 characters' : null)),
    /**
     * The installation to act as. Optional: a webhook names its own, and for Deployments the bot asks GitHub which
     * installation covers the repository.
     */
    installation_id: z.number().int().positive().optional(),
    api_url: httpUrl.default('https://api.github.com'),
    request_timeout_ms: requestTimeoutMs,
  })
  .strict();

/** An environment's repository: its GitHub Deployments follow the rollbacks, and its protection rule asks the gate. */
export const environmentGithubSchema = z
  .object({
    repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name'),
    /** A token with deployments:write; without one, the GitHub App's installation token is used. */
    token: z.string().min(1).optional(),
    api_url: httpUrl.default('https://api.github.com'),
    request_timeout_ms: requestTimeoutMs,
  })
  .strict();

export type GitHubAppConfig = z.infer<typeof githubAppSchema>;
export type EnvironmentGitHubConfig = z.infer<typeof environmentGithubSchema>;
