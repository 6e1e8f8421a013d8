/**
 * A stand-in for GitHub's side of a GitHub App, for nock at the HTTP boundary: the App's key pair (made here), a JWT
 * check against the public key (RS256, issuer = the App's id, not expired), and the installation tokens it hands out,
 * so a test can require one of them on every call.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import nock from 'nock';

export interface FakeGitHubApp {
  appId: number;
  /** PKCS#1, as GitHub's "Generate a private key" downloads it. */
  privateKey: string;
  /** Tokens handed out by POST /app/installations/{id}/access_tokens, in order. */
  tokens: string[];
  /** Whether an Authorization header carries a valid App JWT. */
  jwtValid(authorization: string | undefined): boolean;
  /** Whether an Authorization header carries one of the installation tokens handed out. */
  tokenValid(authorization: string | undefined): boolean;
  /** Serves the access-token route `times` times for `installationId` (a bad JWT gets 401). */
  serveTokens(installationId: number, times?: number): nock.Scope;
}

export function fakeGitHubApp(api: string, appId = 4242): FakeGitHubApp {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const tokens: string[] = [];
  const jwtValid = (authorization: string | undefined) => {
    const m = /^bearer (.+)$/i.exec(authorization ?? '');
    const parts = m?.[1].split('.') ?? [];
    if (parts.length !== 3) return false;
    const [header, payload, signature] = parts;
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: unknown; exp?: number };
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    return (
      signed && head.alg === 'RS256' && String(claims.iss) === String(appId) && (claims.exp ?? 0) * 1000 > Date.now()
    );
  };
  return {
    appId,
    privateKey,
    tokens,
    jwtValid,
    tokenValid: (authorization) => {
      const m = /^(?:token|bearer) (\S+)$/i.exec(authorization ?? '');
      return !!m && tokens.includes(m[1]);
    },
    serveTokens: (installationId, times = 1) =>
      nock(api)
        .post(`/app/installations/${installationId}/access_tokens`)
        .times(times)
        .reply(function () {
          if (!jwtValid(this.req.headers.authorization as string | undefined))
            return [401, { message: 'A JSON web token could not be decoded' }];
          const token = `ghs_${installationId}_${tokens.length + 1}_${'x'.repeat(20)}`;
          tokens.push(token);
          return [201, { token, expires_at: new Date(Date.now() + 3_600_000).toISOString() }];
        }),
  };
}
