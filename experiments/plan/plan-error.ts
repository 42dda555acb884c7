/** A config that cannot be planned (exit 2). Its own module: studies and capacity throw it, and plan.ts imports the studies. */
export class PlanError extends Error {
  override name = 'PlanError';
}
