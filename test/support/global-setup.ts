/** Once for the whole run: the Prometheus stand-in every test config points at (FAKE_PROMETHEUS_URL). */
import { startFakePrometheus } from './fake-prometheus';

export default async function globalSetup(): Promise<void> {
  const { url, server } = await startFakePrometheus();
  process.env.FAKE_PROMETHEUS_URL = url;
  (globalThis as { fakePrometheus?: unknown }).fakePrometheus = server;
}
