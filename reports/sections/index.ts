/**
 * Report sections by study: a study without one does not compile
 * (`satisfies Record<StudyName, …>`), so a run of any study always has a
 * report.
 */
import type { StudyName } from '../../experiments/plan/config.js';
import { bindingSection } from './binding/index.js';
import { replicasSection } from './replicas/index.js';
import { resourcesSection } from './resources/index.js';
import type { ReportSection } from './types.js';

export const REPORT_SECTIONS = {
  replicas: replicasSection,
  resources: resourcesSection,
  binding: bindingSection,
} as const satisfies Record<StudyName, ReportSection>;
