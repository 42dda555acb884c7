/**
 * Reaper process entry: started detached by the backend with a pipe on
 * stdin that the backend never writes. When the pipe closes the backend's
 * process is gone (even by SIGKILL), and the reaper purges that run.
 * Env: REAPER_TAG.
 */
import { z } from 'zod';
import { purge } from './purge.js';

const { REAPER_TAG } = z.object({ REAPER_TAG: z.string().regex(/^[0-9a-f]{8}$/) }).parse(process.env);
const log = (event: string, fields?: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  // SIGTERM from down() means the run ended cleanly; only a closed pipe means the parent died
  purge(log, REAPER_TAG).then(
    (removed) => {
      log('reaper-done', { removed: removed.length });
      process.exit(0);
    },
    (err: Error) => {
      log('reaper-failed', { error: err.message });
      process.exit(1);
    },
  );
});
process.on('SIGTERM', () => process.exit(0));
