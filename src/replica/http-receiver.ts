/**
 * Slack's requests over HTTP: POST /slack/events, handed to Bolt's HTTPReceiver (which verifies the signature) after
 * the front's own checks: a replica that cannot take work turns Slack away (503: Slack retries, possibly on another
 * replica), a body too large for Slack is refused, and so is a timestamp from the future.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, BufferedIncomingMessage } from '@slack/bolt';
// Bolt's HTTP receiver alone, not Bolt's index (which loads the whole framework: about 12 MB of the front's memory).
import HTTPReceiver from '@slack/bolt/dist/receivers/HTTPReceiver';
import type { Logger } from 'pino';
import { boltLogger } from '../slack/bolt-logger';
import { announcedOver, readBody } from './read-body';
import { EVENTS_PATH } from './routes';

/** Slack's payloads are far smaller (a view submission is the largest); anything bigger is not Slack. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Bolt refuses timestamps older than 5 minutes but not ones from the future; we refuse those beyond this. */
export const FUTURE_TOLERANCE_S = 60;

/** Closed after the answer: the rest of the body is never read. */
function refuseTooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end(`Refused: the request body is over ${MAX_BODY_BYTES / 1024 / 1024} MiB; Slack sends far less.\n`);
}

export interface HttpReceiverOptions {
  signingSecret: string;
  /** Why Slack's requests are turned away now (starting, stopping, a work side that cannot take them), or null. */
  unavailable: () => string | null;
  logger: Logger;
}

/** Bolt's listener for the events route; `url` is the normalised path (with its query) the route table gave. */
export function httpReceiver(
  app: App,
  opts: HttpReceiverOptions,
): (req: IncomingMessage, res: ServerResponse, url: string) => void {
  const { logger } = opts;
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret,
    endpoints: EVENTS_PATH,
    processBeforeResponse: false,
    logger: boltLogger(logger),
  });
  receiver.init(app);
  return (req, res, url) => {
    const unavailable = opts.unavailable();
    if (unavailable) {
      logger.debug({ reason: unavailable }, 'turned a Slack request away');
      res.writeHead(503, { 'Retry-After': '5' }).end();
      return;
    }
    if (announcedOver(req, MAX_BODY_BYTES)) return refuseTooLarge(res);
    const ts = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(ts) && ts > Date.now() / 1000 + FUTURE_TOLERANCE_S) {
      logger.warn({ timestamp: ts }, 'refused a Slack request with a timestamp in the future');
      res.writeHead(401).end();
      return;
    }
    // The body is read here, whole and bounded, before Bolt sees the request: a chunked body says its size only by
    // arriving, and a request refused half way must not reach Bolt, which would try to answer it a second time.
    void readBody(req, MAX_BODY_BYTES).then((read) => {
      if (read.kind === 'too-large') return refuseTooLarge(res);
      if (read.kind === 'gone') return void logger.debug({ path: url }, 'a Slack request was broken off mid-body');
      // Bolt takes a body already read (its BufferedIncomingMessage) as it is, instead of reading the stream again.
      (req as BufferedIncomingMessage).rawBody = read.bytes;
      // Bolt is handed the same normalised path the checks ran on.
      req.url = url;
      try {
        receiver.requestListener(req, res);
      } catch (err) {
        logger.warn({ err, path: url }, 'the Slack receiver refused a request');
        if (!res.headersSent) res.writeHead(404).end();
      }
    });
  };
}
