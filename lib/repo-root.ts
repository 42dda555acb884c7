/**
 * The repository root (in the images: the app directory), from this file's
 * own place, so code finds models, templates and scripts whatever the
 * working directory is. lib/ sits directly under the root in the source
 * tree and in every compiled output.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A path from a config or flag: absolute as given, else relative to the repository root. */
export const fromRepoRoot = (p: string): string => (isAbsolute(p) ? p : join(REPO_ROOT, p));
