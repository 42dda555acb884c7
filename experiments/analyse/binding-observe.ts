/**
 * Sentences the binding study's results support, generated from them: the
 * setting, the short-job verdicts, the tails, what each late policy's
 * replicas did, and every measured limit that bends a number (host CPU,
 * timeouts, too few samples). Nothing here is written by hand. Pure.
 */
import type { BindingCell } from './binding-results.js';
import type { Comparison } from './binding-compare.js';

export interface ObserveContext {
  replicas: number[];
  replicaCpu: number;
  requestedCpu: number;
  fittedToHost: boolean;
  limitsEnforced: boolean;
  shortUnits: number[];
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const allClass = (c: BindingCell) => c.classes.find((k) => k.sizeClass === 'all')!;

/** Wall time of work per CPU second used: about 1 when the replicas got the CPU their limit allows. */
export const stretchOf = (c: BindingCell): number | null => {
  const cpus = c.replicaUse.flatMap((u) => (u.cpu !== undefined ? [u.cpu] : []));
  return cpus.length > 0 && mean(cpus) > 0 ? mean(c.replicaUse.map((u) => u.busy)) / mean(cpus) : null;
};
/** Above this stretch the replicas spent a quarter more wall time than CPU: host contention, not the policy. */
export const HOST_BOUND_STRETCH = 1.25;

/** The comparisons with the limit that explains them: host CPU when either side's replicas waited for it. */
export function withLimits(comparisons: readonly Comparison[], cells: readonly BindingCell[]): Comparison[] {
  const cellOf = (c: Comparison, policy: string) => cells.find((x) => x.policy === policy && x.load === c.load && x.replicas === c.replicas);
  return comparisons.map((c) => {
    const stretches = [cellOf(c, c.baseline), cellOf(c, c.policy)].map((x) => (x ? stretchOf(x) : null)).filter((s): s is number => s !== null);
    const worst = Math.max(0, ...stretches);
    return { ...c, limitedBy: worst > HOST_BOUND_STRETCH ? `host CPU: work took up to ${worst.toFixed(2)}× its CPU time in wall time` : null };
  });
}

const range = (xs: number[], fmt: (x: number) => string) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return fmt(lo) === fmt(hi) ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
};

function setting(cells: readonly BindingCell[], ctx: ObserveContext): string[] {
  const replicas = ctx.replicas.join(', ');
  const cpu = ctx.fittedToHost ? `${ctx.replicaCpu} CPU each (scaled by --fit-host from ${ctx.requestedCpu} so every replica fits this host)` : `${ctx.replicaCpu} CPU each`;
  const out = [`${replicas} replicas at ${cpu}${ctx.limitsEnforced ? '' : '; CPU limits NOT enforced, so utilisation is relative to a limit nobody held the replicas to'}.`];
  for (const c of cells) {
    const cpus = c.replicaUse.flatMap((u) => (u.cpu !== undefined ? [u.cpu] : []));
    const busy = mean(c.replicaUse.map((u) => u.busy));
    const stretch = stretchOf(c);
    const measured = cpus.length > 0 ? `measured CPU utilisation ${pct(mean(cpus))} of the limit (max ${pct(Math.max(...cpus))}), work ${pct(busy)} of the time` : `work ${pct(busy)} of the time`;
    out.push(
      `${c.policy} at load ${c.load}: ${c.ratePerS.toFixed(1)} requests/s offered ${pct(c.offeredUtilisation)} of the replicas' CPU as drawn; ${measured}` +
        (stretch !== null && stretch > HOST_BOUND_STRETCH ? ` — work took ${stretch.toFixed(2)}× its CPU time in wall time: the replicas waited for host CPU beyond their own limit, so queues are longer than the load alone explains.` : '.'),
    );
  }
  const hosts = cells.flatMap((c) => (c.host ? [c.host] : []));
  if (hosts.some((h) => h.otherCores > 0.2)) {
    out.push(`Other processes on this machine used ${range(hosts.map((h) => h.otherCores), (x) => x.toFixed(2))} of its ${hosts[0]!.cores} cores during the loads (all together ${range(hosts.map((h) => h.busyCores), (x) => x.toFixed(2))} busy, load average ${range(hosts.map((h) => h.loadAvg1), (x) => x.toFixed(1))}): the replicas competed for CPU their limits allowed them, and every wait and hand-over above is longer for it.`);
  }
  const lagging = cells.filter((c) => c.sendLagP99Ms > 10);
  if (lagging.length > 0) {
    out.push(`The generator sent 1 % of its requests over ${range(lagging.map((c) => c.sendLagP99Ms), ms)} ms after their scheduled time while using ${range(lagging.map((c) => c.loadGenCpu), (x) => x.toFixed(2))} cores: it waited for the host's CPU, not for its own. Each request is still timed from its own send.`);
  }
  return out;
}

function verdicts(comparisons: readonly Comparison[], ctx: ObserveContext): string[] {
  const classes = ctx.shortUnits.join(' and ');
  return comparisons.map((c) => {
    const head = `Short jobs (${classes} units) at load ${c.load}: p95 JCT ${ms(c.policyP95Ms)} ms under ${c.policy} vs ${ms(c.baselineP95Ms)} ms under ${c.baseline} (n = ${c.policyN} and ${c.baselineN})`;
    if (c.verdict === 'too few samples') return `${head}; too few short jobs to compare (need ${100} per policy).`;
    const ci = `difference ${ms(c.differenceMs)} ms, 95 % bootstrap interval ${ms(c.ci95[0])} to ${ms(c.ci95[1])} ms`;
    const limit = c.limitedBy ? ` This compares the machine's CPU more than the policies (${c.limitedBy}).` : '';
    return `${head}: ${c.verdict === 'indistinguishable' ? 'not distinguishable' : c.verdict} (${ci}).${limit}`;
  });
}

function tails(cells: readonly BindingCell[]): string[] {
  const out: string[] = [];
  for (const load of [...new Set(cells.map((c) => c.load))]) {
    const here = cells.filter((c) => c.load === load && allClass(c).n > 0);
    if (here.length < 2) continue;
    const ranked = [...here].sort((a, b) => allClass(a).jctMs.p99 - allClass(b).jctMs.p99);
    out.push(`All jobs at load ${load}, p99 JCT from lowest: ${ranked.map((c) => `${c.policy} ${ms(allClass(c).jctMs.p99)} ms`).join(', ')}.`);
    const largest = here[0]!.classes.at(-1)!.sizeClass;
    const long = [...here].sort((a, b) => a.classes.at(-1)!.jctMs.mean - b.classes.at(-1)!.jctMs.mean);
    out.push(`The largest jobs (${largest} units) at load ${load}, mean JCT: ${long.map((c) => `${c.policy} ${ms(c.classes.at(-1)!.jctMs.mean)} ms`).join(', ')}.`);
  }
  return out;
}

function limits(cells: readonly BindingCell[]): string[] {
  const out: string[] = [];
  for (const c of cells) {
    const all = allClass(c);
    if (c.balancer.policy === 'late-binding' || c.balancer.policy === 'first-available') {
      const handover = mean(c.replicaUse.map((u) => u.handover));
      // with one slot per replica and no replica queueing, a hand-over is time its replica could do nothing else
      if (c.balancer.replicaConcurrency === 1 && c.replicaQueuedShare < 0.01 && handover > 0.02) {
        out.push(`${c.policy} at load ${c.load}: ${pct(handover)} of every replica's time went to handing requests over (on their way, parsed, answered, waiting for CPU) while its one slot was taken — time an early-bound replica spends on the next request already queued inside it.`);
      }
      out.push(
        c.replicaQueuedShare > 0.01
          ? `${c.policy} at load ${c.load}: ${pct(c.replicaQueuedShare)} of answered requests waited inside a replica, so the balancer handed them to a replica it wrongly believed free${c.balancer.policy === 'first-available' && c.balancer.activators > 1 ? ` (${c.balancer.activators} activators, each counting only its own requests)` : ''}.`
          : `${c.policy} at load ${c.load}: requests waited in the balancer, not in the replicas (${pct(c.replicaQueuedShare)} queued inside one).`,
      );
    }
    if (all.timeouts > 0) out.push(`${c.policy} at load ${c.load}: ${all.timeouts} of ${all.n} requests timed out; their JCT counts as the time they took to fail, a lower bound.`);
    if (all.errors > 0) out.push(`${c.policy} at load ${c.load}: ${all.errors} of ${all.n} requests failed (refused or broken) and count in no JCT.`);
    if (c.invalidTrials > 0) out.push(`${c.policy} at load ${c.load}: ${c.invalidTrials} trial(s) invalid and left out: ${c.invalidReasons.join('; ')}.`);
  }
  return out;
}

export function observe(cells: readonly BindingCell[], comparisons: readonly Comparison[], ctx: ObserveContext): string[] {
  return [...setting(cells, ctx), ...verdicts(comparisons, ctx), ...tails(cells), ...limits(cells)];
}
