/**
 * Names and labels of everything the backend creates. Every object carries
 * the project label (what purge looks for) and the run-id label (what down
 * looks for), so two runs in one namespace never touch each other's objects.
 */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const RUN_ID_LABEL = 'clouddetect.io/run-id';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const LOAD_JOB_LABEL = 'clouddetect.io/load-job';
export const PROJECT = 'clouddetect';
export const FIELD_MANAGER = 'clouddetect-experiments';
export const CONTAINER_NAME = 'detector';

/** Longest name part kept from a run id: pod names append about 17 characters to the Deployment name. */
const MAX_RUN_PART = 40;

/** Lower-case, [a-z0-9-], no leading/trailing "-": safe in names and label values. */
function slug(value: string, max: number): string {
  const s = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').slice(0, max).replace(/^-+|-+$/g, '');
  return s || 'run';
}

export function runIdLabel(runId: string): string {
  return slug(runId, 63);
}

export function deploymentName(runId: string): string {
  return `${PROJECT}-${slug(runId, MAX_RUN_PART)}`;
}

export function loadJobName(runId: string, sequence: number): string {
  return `${PROJECT}-load-${slug(runId, MAX_RUN_PART)}-${sequence}`;
}

export function projectSelector(): string {
  return `${PART_OF_LABEL}=${PROJECT}`;
}

export function runSelector(runId: string): string {
  return `${projectSelector()},${RUN_ID_LABEL}=${runIdLabel(runId)}`;
}

export function detectorSelector(runId: string): string {
  return `${runSelector(runId)},${COMPONENT_LABEL}=detector`;
}
