/**
 * /api/v1/… (the deploy gate, deploy reports, Alertmanager's alerts, GitHub's webhooks): carried to the work side, which holds the config's
 * tokens, the webhook secret and the store, and its answer written back. The front only bounds the body; a GitHub
 * webhook's body crosses as its exact bytes (base64), since its signature is over them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import {
  ALERTS_MAX_BODY,
  ALERTS_PATH,
  API_MAX_BODY,
  GITHUB_WEBHOOK_HEADERS,
  GITHUB_WEBHOOK_MAX_BODY,
  GITHUB_WEBHOOK_PATH,
} from '../api/api.wire';
import { readBody } from './read-body';
import type { WorkLink } from './work-link';

export function apiEndpoint(
  link: WorkLink,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse, path: string) => void {
  return (req, res, path) => {
    const auth = req.headers.authorization;
    const webhook = path === GITHUB_WEBHOOK_PATH;
    const headers: Record<string, string> = {};
    for (const name of webhook ? GITHUB_WEBHOOK_HEADERS : []) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const limit = webhook ? GITHUB_WEBHOOK_MAX_BODY : path === ALERTS_PATH ? ALERTS_MAX_BODY : API_MAX_BODY;
    const answer = (bytes?: Buffer) =>
      link
        .api({
          method: req.method ?? 'GET',
          path,
          ...(typeof auth === 'string' ? { authorization: auth } : {}),
          remote: req.socket.remoteAddress ?? 'unknown',
          ...(bytes === undefined
            ? {}
            : webhook
              ? { rawBody: bytes.toString('base64') }
              : { body: bytes.toString('utf8') }),
          ...(webhook ? { headers } : {}),
        })
        .then(
          (a) => {
            res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
            res.end(req.method === 'HEAD' ? undefined : JSON.stringify(a.body));
          },
          (err: unknown) => {
            logger.warn({ err }, 'the API request got no answer from the work process');
            res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '5' });
            res.end(JSON.stringify({ error: 'unavailable', message: 'The bot is starting or stopping; try again.' }));
          },
        );
    if (req.method !== 'POST') return void answer();
    // A report is small, a group of alerts or a webhook at most a MiB: a larger body is refused once, before it is read whole, and the connection closed after.
    void readBody(req, limit).then((read) => {
      if (read.kind === 'read') return void answer(read.bytes);
      if (read.kind === 'gone') return;
      res.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ error: 'too_large', message: `At most ${limit} bytes.` }));
    });
  };
}
