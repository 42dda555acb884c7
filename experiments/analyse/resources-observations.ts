/**
 * Observations generated from the rows, pure: how images/s grows with CPU
 * against the linear expectation from the smallest configuration, and which
 * measured limit explains a shortfall (the host's cores, the quota, or
 * neither — then the host's other load or the service's own concurrency);
 * OOM kills, failures and skipped configurations; how much evidence there is.
 * Each is one sentence for the summary file and the report.
 */
import { QUOTA_USED, THROTTLED } from './limits.js';
import type { ResourceRow } from './resources-rows.js';

export interface ObservationContext {
  hostCores: number;
  loadGenCpu: number;
  backend: string;
  limitsEnforced: boolean;
}

/** Below this share of the linear expectation a step counts as a shortfall worth explaining. */
const SHORTFALL = 0.85;
/** The host's cores this busy over a workload: a replica below its quota was starved by the host. */
const HOST_BUSY = 0.9;

const f = (x: number, digits = 1) => x.toFixed(digits);
const pct = (x: number) => `${Math.round(x * 100)} %`;
const list = (xs: readonly string[]) => (xs.length <= 4 ? xs.join(', ') : `${xs.slice(0, 4).join(', ')} and ${xs.length - 4} more`);

function evidence(rows: readonly ResourceRow[]): string | null {
  const ns = [...new Set(rows.filter((r) => r.status !== 'skipped' && r.status !== 'pending').map((r) => r.n))].sort((a, b) => a - b);
  if (ns.length === 0) return null;
  if (ns.at(-1)! <= 1) return 'n = 1 trial per configuration: no spread or confidence interval can be given.';
  return `n = ${ns.join('-')} trials per configuration; the CSV gives each mean with its sd and 95 % t-interval.`;
}

/** Why a configuration fell short of linear scaling, from what was measured there. */
function explain(r: ResourceRow, ctx: ObservationContext): string {
  if (r.capacityBound) return `the host bounds it: ${r.cpu} CPU + ${ctx.loadGenCpu} for the load generator exceed its ${ctx.hostCores} cores`;
  if ((r.throttledShare !== null && r.throttledShare >= THROTTLED) || (r.cpuUsedCores !== null && r.cpuUsedCores >= QUOTA_USED * r.cpu)) {
    return `its quota bound it (throttled in ${pct(r.throttledShare ?? 0)} of its CPU periods, ${f(r.cpuUsedCores ?? 0, 2)} of ${r.cpu} cores used)`;
  }
  if (r.cpuUsedCores !== null) {
    const used = `it used ${f(r.cpuUsedCores, 2)} of its ${r.cpu} cores, throttled in ${pct(r.throttledShare ?? 0)} of its CPU periods`;
    if (r.hostBusyShare === null) return `${used}: not its quota but the host's other load or the service's own concurrency held it`;
    const host = `the host's ${ctx.hostCores} cores were ${pct(r.hostBusyShare)} busy${r.otherLoadCores !== null ? `, ${f(r.otherLoadCores, 2)} cores of it other work than the replica and the load generator` : ''}`;
    return r.hostBusyShare >= HOST_BUSY
      ? `${used}, while ${host}: the host's other load, not the quota, held it`
      : `${used}, while ${host}: with cores to spare, the service's own concurrency (its threads) held it`;
  }
  return 'no CPU counters were read, so the limit cannot be named';
}

function scaling(rows: readonly ResourceRow[], ctx: ObservationContext): string[] {
  const out: string[] = [];
  const groups = new Map<string, ResourceRow[]>();
  for (const r of rows.filter((x) => x.status === 'success' && x.gpu === null)) {
    const k = `${r.task}|${r.model}|${r.memoryMi}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const group of groups.values()) {
    const byCpu = [...new Map(group.map((r) => [r.cpu, r])).values()].sort((a, b) => a.cpu - b.cpu);
    if (byCpu.length < 2) continue;
    const base = byCpu[0]!;
    const rates = byCpu.map((r) => f(r.imagesPerS.mean, 2)).join(', ');
    const shares = byCpu.slice(1).map((r) => ({ r, share: r.imagesPerS.mean / ((base.imagesPerS.mean * r.cpu) / base.cpu) }));
    const head = `${base.model} (${base.task}) at ${base.memoryMi} MiB: ${rates} images/s at ${byCpu.map((r) => r.cpu).join(', ')} CPU, ${shares.map((s) => pct(s.share)).join(', ')} of linear from ${base.cpu} CPU`;
    const short = shares.filter((s) => s.share < SHORTFALL);
    out.push(short.length === 0 ? `${head}.` : `${head}; at ${short.map((s) => `${s.r.cpu} CPU ${explain(s.r, ctx)}`).join('; at ')}.`);
  }
  return out;
}

export function resourceObservations(rows: readonly ResourceRow[], ctx: ObservationContext): string[] {
  const out: string[] = [];
  const n = evidence(rows);
  if (n) out.push(n);
  if (!ctx.limitsEnforced) out.push('CPU and memory limits were NOT enforced on this backend: no number here reflects its configuration.');
  out.push(...scaling(rows, ctx));
  const over = [...new Set(rows.filter((r) => r.capacityBound && r.status !== 'skipped').map((r) => r.configuration))];
  if (over.length > 0) {
    out.push(`Over the host's capacity (replica CPU + ${ctx.loadGenCpu} for the load generator > ${ctx.hostCores} cores): ${list(over)}; their numbers describe the host, not the configuration.`);
  }
  const throttled = rows.filter((r) => r.status === 'success' && r.throttledShare !== null).sort((a, b) => b.throttledShare! - a.throttledShare!)[0];
  if (throttled && throttled.throttledShare! >= THROTTLED) {
    out.push(`Most throttled: ${throttled.model} at ${throttled.configuration}, its ${throttled.cpu}-CPU quota hit in ${pct(throttled.throttledShare!)} of its CPU periods.`);
  }
  const oom = rows.filter((r) => r.status === 'oom');
  if (oom.length > 0) out.push(`OOM-killed (status oom): ${list(oom.map((r) => `${r.model} at ${r.configuration}`))}; ${oom[0]!.error}.`);
  for (const r of rows.filter((x) => x.status === 'failed')) out.push(`${r.model} at ${r.configuration} failed: ${r.error}.`);
  const shed = rows.filter((r) => r.status === 'success' && r.requests > r.successes);
  for (const r of shed) out.push(`${r.model} at ${r.configuration}: ${r.requests - r.successes} of ${r.requests} answers failed (${pct((r.requests - r.successes) / r.requests)}); its images/s counts successes only.`);
  const skipped = new Map<string, string[]>();
  for (const r of rows.filter((x) => x.status === 'skipped')) skipped.set(r.error ?? '', [...(skipped.get(r.error ?? '') ?? []), `${r.model} at ${r.configuration}`]);
  for (const [reason, cells] of skipped) out.push(`Skipped (${reason}): ${list(cells)}.`);
  const pending = rows.filter((r) => r.status === 'pending').length;
  if (pending > 0) out.push(`${pending} configuration${pending === 1 ? ' was' : 's were'} not measured yet (the run stopped early or is still going).`);
  return out;
}
