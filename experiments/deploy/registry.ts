/**
 * Backends by name, imported statically: a missing or mistyped backend is a
 * build error, never a run-time surprise. `--backend NAME` picks one.
 */
import type { BackendModule } from './backend.js';
import { fakeBackend } from './fake-backend.js';
import { kubernetesBackend } from './kubernetes/index.js';
import { localBackend } from './local/index.js';
import { podmanBackend } from './podman/index.js';

export const BACKENDS = {
  local: localBackend,
  kubernetes: kubernetesBackend,
  podman: podmanBackend,
  fake: fakeBackend,
} as const satisfies Record<string, BackendModule>;

export type BackendName = keyof typeof BACKENDS;
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
