import type { Server } from 'node:http';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { fakePrometheus?: Server }).fakePrometheus;
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}
