/**
 * A real HTTP server on 127.0.0.1 around one request handler, for the specs of the front's endpoints: each is tested
 * on the wire, without the rest of the front.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serveHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
