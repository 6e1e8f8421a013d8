/**
 * A service's /health on 127.0.0.1 for the deploy-script and workflow options: it reports the version written in
 * its state file, which the fixture deploy scripts (or a test standing in for a workflow) rewrite.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VersionServer {
  url: string;
  stateFile: string;
  set(version: string): void;
  close(): Promise<void>;
}

export async function startVersionServer(stateFile: string, initial: string): Promise<VersionServer> {
  writeFileSync(stateFile, initial);
  const server: Server = createServer((req, res) => {
    const version = readFileSync(stateFile, 'utf8').trim();
    if (req.url === '/health')
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'healthy', version }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    stateFile,
    set: (v) => writeFileSync(stateFile, v),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
