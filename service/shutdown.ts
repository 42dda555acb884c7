/**
 * Graceful stop: refuse new work, let in-flight requests finish, then close.
 * server.close() stops accepting and closes idle keep-alive connections, but
 * a connection that is busy when it is called stays open after its
 * response; closing idle ones again on a short tick catches those.
 */
import type { Server } from 'node:http';

export interface DrainResult {
  /** true when every connection closed before the grace period ended */
  clean: boolean;
  ms: number;
}

export function drain(server: Server, graceMs: number, beforeClose: () => void): Promise<DrainResult> {
  const started = Date.now();
  beforeClose();
  return new Promise((resolve) => {
    const tick = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      finish(false);
    }, graceMs);
    let finished = false;
    const finish = (clean: boolean): void => {
      if (finished) return;
      finished = true;
      clearInterval(tick);
      clearTimeout(deadline);
      resolve({ clean, ms: Date.now() - started });
    };
    server.close(() => finish(true));
  });
}
