/**
 * The run's JSON log (pino), one event per line: everything the progress
 * line leaves out. --verbose lowers the level to debug and mirrors the log
 * to stderr.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { LogFn } from '../../lib/log.js';

export type Logger = pino.Logger;

export function createLogger(file: string, verbose: boolean): Logger {
  mkdirSync(dirname(file), { recursive: true });
  // sync: a crash or process.exit must not lose the last lines, and the volume is a few lines per second.
  const toFile = pino.destination({ dest: file, sync: true });
  const streams: pino.StreamEntry[] = [{ stream: toFile, level: verbose ? 'debug' : 'info' }];
  if (verbose) streams.push({ stream: pino.destination({ dest: 2, sync: true }), level: 'debug' });
  return pino({ level: verbose ? 'debug' : 'info', base: null }, pino.multistream(streams));
}

export function logFn(logger: Logger): LogFn {
  return (event, fields = {}) => logger.info({ event, ...fields });
}
