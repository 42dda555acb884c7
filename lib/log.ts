/** A structured log sink: one event name and its fields per line (the run's JSON log, a test's list). */
export type LogFn = (event: string, fields?: Record<string, unknown>) => void;
