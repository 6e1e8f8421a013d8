/** The front's one bounded body reader, on the wire: what it says of a body, a body too large, and a client gone. */
import type { IncomingMessage } from 'node:http';
import { readBody, type Body } from '../../../src/replica/read-body';
import { sendRaw, serveHandler, type Served } from '../../support/serve-handler';
import { until } from '../../support/wait';

const LIMIT = 10_000;
let served: Served;
let read: Body[];

beforeEach(async () => {
  read = [];
  served = await serveHandler((req: IncomingMessage, res) => {
    void readBody(req, LIMIT).then((body) => {
      read.push(body);
      if (body.kind === 'gone') return;
      res.writeHead(body.kind === 'read' ? 200 : 413, { Connection: 'close' }).end(body.kind);
    });
  });
});
afterEach(() => served.close());

const chunks = (n: number, size: number) => Array.from({ length: n }, () => Buffer.alloc(size, 'a'));

it('reads a chunked body whole, up to the limit', async () => {
  const res = await sendRaw(served.url, { chunks: chunks(10, LIMIT / 10) });
  expect(res).toEqual({ status: 200, text: 'read' });
  expect(read).toEqual([{ kind: 'read', bytes: Buffer.alloc(LIMIT, 'a') }]);
});

it('refuses a body announced over the limit before reading a byte of it', async () => {
  const res = await sendRaw(served.url, { headers: { 'Content-Length': String(LIMIT + 1) }, chunks: chunks(1, 10) });
  expect(res).toEqual({ status: 413, text: 'too-large' });
  expect(read).toEqual([{ kind: 'too-large' }]);
});

it('says too-large as soon as a chunked body passes the limit, keeping none of it', async () => {
  const res = await sendRaw(served.url, { chunks: chunks(100, 1000) });
  expect(res).toEqual({ status: 413, text: 'too-large' });
  expect(read).toEqual([{ kind: 'too-large' }]);
});

it('says gone when the client breaks off mid-body', async () => {
  await expect(sendRaw(served.url, { chunks: chunks(3, 1000), abort: true })).rejects.toThrow('abandoned');
  await until(() => read.length > 0, 'the server to learn the client went away', 5_000);
  expect(read).toEqual([{ kind: 'gone' }]);
});
