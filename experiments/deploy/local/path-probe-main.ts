/**
 * Runs measurePath where the load generator runs (inside the remote network
 * namespace) and prints the result as one JSON line.
 * Usage: path-probe-main.ts <base-url> <pings> <upload-bytes>
 */
import { z } from 'zod';
import { measurePath } from './path-probe.js';

const [url, pings, bytes] = z
  .tuple([z.url(), z.coerce.number().int().positive(), z.coerce.number().int().nonnegative()])
  .parse(process.argv.slice(2));
process.stdout.write(`${JSON.stringify(await measurePath(url, { pings, uploadBytes: bytes }))}\n`);
