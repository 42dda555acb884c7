/**
 * Studies by name, imported statically; `--study NAME` (or the config's
 * "study") picks one. Every name in STUDY_NAMES must have a description
 * here, or this does not compile.
 */
import type { StudyName } from '../plan/config.js';
import { bindingStudy } from './binding.js';
import { replicasStudy } from './replicas.js';
import { resourcesStudy } from './resources.js';
import type { Study } from './types.js';

export const STUDIES = {
  replicas: replicasStudy,
  resources: resourcesStudy,
  binding: bindingStudy,
} as const satisfies Record<StudyName, Study>;
