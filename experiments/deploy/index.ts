/**
 * Backends by name. Each entry loads its module only when chosen, so a
 * machine without the Kubernetes client set up can still run `local`. The
 * specifier is computed so this registry type-checks while a backend folder
 * is still being written; each module checks itself with `satisfies BackendModule`.
 */
import type { BackendModule } from './backend.js';

const load = (dir: string) => () => import(`./${dir}/index.js`) as Promise<BackendModule>;

export const BACKENDS = {
  local: load('local'),
  kubernetes: load('kubernetes'),
  fake: load('fake'),
} satisfies Record<string, () => Promise<BackendModule>>;

export type BackendName = keyof typeof BACKENDS;
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

export async function loadBackend(name: BackendName): Promise<BackendModule> {
  try {
    return await BACKENDS[name]();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') throw new Error(`backend "${name}" is not available in this checkout (experiments/deploy/${name}/index.ts missing)`);
    throw err;
  }
}
