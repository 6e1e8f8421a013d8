import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { ProbeObservation, SmokeResult } from '../../domain/findings';
import type { HealthProbe, ProbeOptions } from '../../ports';

const MAX_BODY_BYTES = 256 * 1024;
const EXCERPT = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why a request failed, in a few words a person on call understands. */
export function describeHttpFailure(err: unknown, timeoutMs: number): string {
  if (isAxiosError(err)) {
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED')
      return `no answer within ${timeoutMs} ms`;
    if (err.code === 'ECONNREFUSED') return 'connection refused';
    if (err.code === 'ENOTFOUND') return 'host not found';
    if (err.code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || err.code === 'ERR_BAD_RESPONSE') return 'response too large';
    return err.code ? `${err.code}: ${err.message}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The runbook's health-check.py and smoke-test.sh, as HTTP calls with timeouts and bounded retries. */
export class HttpHealthProbe implements HealthProbe {
  private readonly http: AxiosInstance;

  constructor(http?: AxiosInstance) {
    this.http =
      http ??
      axios.create({
        maxRedirects: 3,
        maxContentLength: MAX_BODY_BYTES,
        responseType: 'text',
        transformResponse: (d) => d,
      });
  }

  async probe(url: string, options: ProbeOptions): Promise<ProbeObservation> {
    const until = options.until ?? ((o: ProbeObservation) => o.ok);
    let last: ProbeObservation = { url, ok: false, attempts: 0, error: 'not probed' };
    for (let attempt = 1; attempt <= options.attempts; attempt++) {
      last = { ...(await this.once(url, options.timeoutMs)), attempts: attempt };
      if (until(last) || attempt === options.attempts) return last;
      await sleep(options.intervalMs);
    }
    return last;
  }

  async smokeTest(test: { name: string; url: string; expectStatus: number }, timeoutMs: number): Promise<SmokeResult> {
    const o = await this.once(test.url, timeoutMs);
    const base = { name: test.name, url: test.url, expectedStatus: test.expectStatus };
    if (o.status === undefined) return { ...base, ok: false, error: o.error };
    return { ...base, ok: o.status === test.expectStatus, status: o.status };
  }

  private async once(url: string, timeoutMs: number): Promise<Omit<ProbeObservation, 'attempts'>> {
    try {
      const res = await this.http.get<string>(url, {
        timeout: timeoutMs,
        // `timeout` bounds an idle socket; the signal bounds the whole exchange, slow trickles included.
        signal: AbortSignal.timeout(timeoutMs),
        validateStatus: () => true,
        headers: { Accept: 'application/json', 'User-Agent': 'rollback-bot' },
      });
      const body = typeof res.data === 'string' ? res.data : String(res.data ?? '');
      const ok = res.status >= 200 && res.status < 300;
      // A web page (a proxy's or a framework's error page) says nothing a card could show: it is summarised.
      const contentType = String(res.headers['content-type'] ?? '');
      if (isHtml(contentType, body)) return { url, ok, status: res.status, html: true };
      return { url, ok, status: res.status, version: versionIn(body), body: excerpt(body) };
    } catch (err) {
      return { url, ok: false, error: describeHttpFailure(err, timeoutMs) };
    }
  }
}

/** The `version` field of a JSON body; undefined for anything else (HTML, plain text, no field). */
export function versionIn(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'version' in parsed) {
      const v = (parsed as { version: unknown }).version;
      if (typeof v === 'string' || typeof v === 'number') return String(v);
    }
  } catch {
    // not JSON: no version to report
  }
  return undefined;
}

/** An HTML document, by its content type or by how it starts. */
export function isHtml(contentType: string, body: string): boolean {
  return (
    /\btext\/html\b|\bapplication\/xhtml\+xml\b/i.test(contentType) || /^\s*<(!doctype html|html[\s>])/i.test(body)
  );
}

function excerpt(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one.length > EXCERPT ? `${one.slice(0, EXCERPT - 1)}…` : one;
}
