/**
 * zod issues → the one message a user reads: every problem by path, and for
 * an unknown key the known key it most likely meant ("replicass: unknown
 * key, did you mean replicas?"). Pure.
 */
import type { z } from 'zod';

/** Edit distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key`, when it is close enough to be a typo (or the same word in another form). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const close = bestDistance <= Math.max(2, Math.floor(key.length / 3));
  const prefix = best !== undefined && (key.toLowerCase().startsWith(best.toLowerCase()) || best.toLowerCase().startsWith(key.toLowerCase()));
  return close || prefix ? best : undefined;
}

interface Def {
  type?: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  in?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

function unwrap(def: Def): Def {
  for (let d = def; ; ) {
    if (d.type && WRAPPERS.has(d.type) && d.innerType) d = d.innerType._zod.def;
    else if (d.type === 'pipe' && d.in) d = d.in._zod.def;
    else return d;
  }
}

/** The keys an object schema knows at `path` (array indices and record keys step into their element). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def = unwrap((schema as unknown as { _zod: { def: Def } })._zod.def);
  for (const step of path) {
    if (def.type === 'object' && typeof step === 'string' && def.shape?.[step]) def = unwrap(def.shape[step]._zod.def);
    else if (def.type === 'array' && def.element) def = unwrap(def.element._zod.def);
    else if (def.type === 'record' && def.valueType) def = unwrap(def.valueType._zod.def);
    else return [];
  }
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

const pathText = (path: readonly PropertyKey[]) => path.map(String).join('.');

function issueLines(issue: z.core.$ZodIssue, schema?: z.ZodType): string[] {
  if (issue.code !== 'unrecognized_keys') return [`  - ${pathText(issue.path) || '(root)'}: ${issue.message}`];
  const known = schema ? knownKeysAt(schema, issue.path) : [];
  return issue.keys.map((key) => {
    const guess = closestKey(key, known);
    return `  - ${pathText([...issue.path, key])}: unknown key${guess ? `, did you mean ${pathText([...issue.path, guess])}?` : ''}`;
  });
}

export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[], schema?: z.ZodType): string {
  const lines = issues.flatMap((i) => issueLines(i, schema));
  return `${source}: ${lines.length} problem${lines.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}
