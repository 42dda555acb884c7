/**
 * Factual sentences computed from the numbers: scaling efficiency, the gap
 * between client locations, the most variable cell, what decided each
 * search, load balance. Pure. Every sentence states a measured quantity and
 * nothing about why; the why is the author's section.
 */
import type { Cell } from '../../../experiments/record/schema.js';
import type { Location } from '../../../experiments/contracts/domain.js';
import { cellAt, type ReportData } from './data.js';
import * as f from '../../format.js';
import { WORDS, type Lang } from '../../terms.js';

export interface Observation {
  kind: 'scaling' | 'throughput' | 'gap' | 'variability' | 'decided' | 'capacity' | 'invalid' | 'balance' | 'replicas';
  text: string;
}

const en = {
  scaling: (loc: string, lo: number, a: number, hi: number, b: number, speedup: number, eff: number) =>
    `${loc}: max users went from ${f.users(a)} with ${lo} pod${lo > 1 ? 's' : ''} to ${f.users(b)} with ${hi} pods, a ${f.ratio(speedup)} increase, or ${f.pct(eff, 0)} of ideal linear scaling.`,
  throughput: (loc: string, lo: number, hi: number, du: number, dq: number, qa: number, qb: number, ma: number, mb: number) =>
    `${loc}: from ${lo} to ${hi} pods, max users rose ${f.pct(du, 0)} while throughput at max users rose ${f.pct(dq, 0)} (${f.qps(qa)} → ${f.qps(qb)} requests/s) and the mean response time went from ${f.ms(ma)} to ${f.ms(mb)} ms.`,
  gap: (near: string, far: string, du: number, rel: number, dms: number, k: number) =>
    `Averaged over the ${k} pod counts measured at both locations, the ${far} sustained ${f.users(Math.abs(du))} ${du >= 0 ? 'fewer' : 'more'} users than the ${near} (${f.pct(Math.abs(rel), 0)}) and its average response time was ${f.ms(Math.abs(dms))} ms ${dms >= 0 ? 'higher' : 'lower'}.`,
  variability: (pods: number, loc: string, mean: number, sd: number, cv: number, n: number) =>
    `The most variable cell was ${pods} pod${pods > 1 ? 's' : ''} at the ${loc}: ${f.users(mean)} ± ${f.users(sd)} users over ${n} trials (coefficient of variation ${f.pct(cv, 0)}).`,
  allFailure: (n: number) => `All ${n} valid searches ended at the first failed request.`,
  decided: (what: string, k: number, n: number, cells: string) => `In ${k} of ${n} valid trials the search was ended by ${what} rather than a failed request (${cells}).`,
  decidedWhat: { 'latency-objective': 'the latency objective', 'upper-bound': 'the upper bound of the search' } as Record<string, string>,
  capacity: (cells: string) => `Results for ${cells} were capacity-bound: the host, not the pods, set the limit, so they understate what the pods could do on a larger cluster.`,
  invalid: (k: number, reasons: string) => `${k} trial${k > 1 ? 's were' : ' was'} discarded as invalid (${reasons}).`,
  balance: (loc: string, pods: number, lo: number, hi: number, ideal: number) =>
    `At ${pods} pods from the ${loc}, replicas served between ${f.pct(lo)} and ${f.pct(hi)} of requests (an even split is ${f.pct(ideal)}).`,
  noTrouble: (n: number) => `No replica restarted or was OOM-killed in any of the ${n} trials.`,
  trouble: (list: string) => `Replicas restarted or were OOM-killed in: ${list}.`,
  troubleCell: (cell: string, restarts: number, oom: number) => `${cell} (${restarts} restart${restarts === 1 ? '' : 's'}, ${oom} OOM kill${oom === 1 ? '' : 's'})`,
  cellName: (pods: number, loc: string) => `${pods} pods/${loc}`,
  join: ', ',
};

type Phrases = typeof en;

const zh: Phrases = {
  scaling: (loc: string, lo: number, a: number, hi: number, b: number, speedup: number, eff: number) =>
    `${loc}：最大用户数从 ${lo} 个 Pod 时的 ${f.users(a)} 增至 ${hi} 个 Pod 时的 ${f.users(b)}，提升 ${f.ratio(speedup)}，为理想线性扩展的 ${f.pct(eff, 0)}。`,
  throughput: (loc: string, lo: number, hi: number, du: number, dq: number, qa: number, qb: number, ma: number, mb: number) =>
    `${loc}：从 ${lo} 个 Pod 到 ${hi} 个 Pod，最大用户数增加 ${f.pct(du, 0)}，而最大用户数下的吞吐量只增加 ${f.pct(dq, 0)}（${f.qps(qa)} → ${f.qps(qb)} 请求/秒），平均响应时间从 ${f.ms(ma)} ms 变为 ${f.ms(mb)} ms。`,
  gap: (near: string, far: string, du: number, rel: number, dms: number, k: number) =>
    `在两个位置都测量的 ${k} 种 Pod 数下平均，${far}比${near}${du >= 0 ? '少' : '多'}承载 ${f.users(Math.abs(du))} 个用户（${f.pct(Math.abs(rel), 0)}），平均响应时间${dms >= 0 ? '高' : '低'} ${f.ms(Math.abs(dms))} ms。`,
  variability: (pods: number, loc: string, mean: number, sd: number, cv: number, n: number) =>
    `波动最大的组合是${loc}的 ${pods} 个 Pod：${n} 次试验为 ${f.users(mean)} ± ${f.users(sd)} 个用户（变异系数 ${f.pct(cv, 0)}）。`,
  allFailure: (n: number) => `全部 ${n} 次有效搜索均在出现第一个失败请求时结束。`,
  decided: (what: string, k: number, n: number, cells: string) => `${n} 次有效试验中有 ${k} 次由${what}而非失败请求结束搜索（${cells}）。`,
  decidedWhat: { 'latency-objective': '延迟目标', 'upper-bound': '搜索上限' } as Record<string, string>,
  capacity: (cells: string) => `${cells} 的结果受容量限制：限制来自主机而非 Pod，因此低估了 Pod 在更大集群上的能力。`,
  invalid: (k: number, reasons: string) => `${k} 次试验被判定无效并排除（${reasons}）。`,
  balance: (loc: string, pods: number, lo: number, hi: number, ideal: number) =>
    `${loc}在 ${pods} 个 Pod 时，各副本处理的请求占比在 ${f.pct(lo)} 到 ${f.pct(hi)} 之间（均匀分配为 ${f.pct(ideal)}）。`,
  noTrouble: (n: number) => `全部 ${n} 次试验中没有副本重启或因内存不足被终止。`,
  trouble: (list: string) => `出现副本重启或内存不足终止的组合：${list}。`,
  troubleCell: (cell: string, restarts: number, oom: number) => `${cell}（重启 ${restarts} 次，OOM ${oom} 次）`,
  cellName: (pods: number, loc: string) => `${loc} ${pods} 个 Pod`,
  join: '、',
};

const PHRASES: Record<Lang, Phrases> = { en, zh };

function measured(data: ReportData): Cell[] {
  return data.grid.flat().filter((c): c is Cell => c !== null && c.maxUsers.n > 0);
}

function scaling(data: ReportData, p: Phrases, loc: Location, name: string): Observation | null {
  const cells = data.pods.map((pods) => cellAt(data, pods, loc)).filter((c): c is Cell => c !== null && c.maxUsers.n > 0);
  const first = cells[0];
  const last = cells.at(-1);
  if (!first || !last || first === last || first.maxUsers.mean <= 0) return null;
  const speedup = last.maxUsers.mean / first.maxUsers.mean;
  const eff = speedup / (last.replicas / first.replicas);
  return { kind: 'scaling', text: p.scaling(name, first.replicas, first.maxUsers.mean, last.replicas, last.maxUsers.mean, speedup, eff) };
}

/**
 * The first step up in pods where max users kept growing but throughput at
 * max users grew less than half as much: more users were held, not served
 * faster, which Table 1 alone does not show.
 */
function throughput(data: ReportData, p: Phrases, loc: Location, name: string): Observation | null {
  const cells = data.pods.map((pods) => cellAt(data, pods, loc)).filter((c): c is Cell => c !== null && c.maxUsers.n > 0 && c.qps.avg > 0);
  for (let i = 1; i < cells.length; i++) {
    const [a, b] = [cells[i - 1]!, cells[i]!];
    const du = b.maxUsers.mean / a.maxUsers.mean - 1;
    const dq = b.qps.avg / a.qps.avg - 1;
    if (du >= 0.25 && dq < du / 2) {
      return { kind: 'throughput', text: p.throughput(name, a.replicas, b.replicas, du, dq, a.qps.avg, b.qps.avg, a.avgResponseMs.mean, b.avgResponseMs.mean) };
    }
  }
  return null;
}

function gap(data: ReportData, p: Phrases, names: Record<Location, string>): Observation | null {
  const pairs = data.pods
    .map((pods) => [cellAt(data, pods, 'cluster'), cellAt(data, pods, 'remote')] as const)
    .filter((pair): pair is readonly [Cell, Cell] => pair.every((c) => c !== null && c.maxUsers.n > 0));
  if (pairs.length === 0) return null;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const du = mean(pairs.map(([c, r]) => c.maxUsers.mean - r.maxUsers.mean));
  const base = mean(pairs.map(([c]) => c.maxUsers.mean));
  const dms = mean(pairs.map(([c, r]) => r.avgResponseMs.mean - c.avgResponseMs.mean));
  return { kind: 'gap', text: p.gap(names.cluster, names.remote, du, base > 0 ? du / base : 0, dms, pairs.length) };
}

function variability(cells: Cell[], p: Phrases, names: Record<Location, string>): Observation | null {
  const scored = cells.flatMap((c) => (c.maxUsers.sd !== null && c.maxUsers.mean > 0 ? [{ c, sd: c.maxUsers.sd, cv: c.maxUsers.sd / c.maxUsers.mean }] : []));
  const top = scored.sort((a, b) => b.cv - a.cv)[0];
  if (!top || top.cv === 0) return null;
  const { c, sd, cv } = top;
  return { kind: 'variability', text: p.variability(c.replicas, names[c.location], c.maxUsers.mean, sd, cv, c.maxUsers.n) };
}

function decided(cells: Cell[], p: Phrases, names: Record<Location, string>): Observation[] {
  const total = cells.reduce((sum, c) => sum + Object.values(c.decidedBy).reduce((a, b) => a + b, 0), 0);
  if (total === 0) return [];
  const out: Observation[] = [];
  for (const [reason, what] of Object.entries(p.decidedWhat)) {
    const hit = cells.filter((c) => (c.decidedBy[reason] ?? 0) > 0);
    const k = hit.reduce((sum, c) => sum + (c.decidedBy[reason] ?? 0), 0);
    if (k > 0) out.push({ kind: 'decided', text: p.decided(what, k, total, hit.map((c) => p.cellName(c.replicas, names[c.location])).join(p.join)) });
  }
  return out.length > 0 ? out : [{ kind: 'decided', text: p.allFailure(total) }];
}

function balance(data: ReportData, p: Phrases, loc: Location, name: string): Observation | null {
  const top = Math.max(...data.balance.filter((b) => b.location === loc).map((b) => b.replicas));
  const bars = data.balance.filter((b) => b.location === loc && b.replicas === top);
  if (bars.length < 2) return null;
  const shares = bars.map((b) => b.share);
  return { kind: 'balance', text: p.balance(name, top, Math.min(...shares), Math.max(...shares), 1 / top) };
}

function replicaHealth(data: ReportData, p: Phrases, names: Record<Location, string>): Observation | null {
  if (data.trials.total === 0) return null;
  if (data.replicaTrouble.length === 0) return { kind: 'replicas', text: p.noTrouble(data.trials.total) };
  const list = data.replicaTrouble.map((t) => p.troubleCell(p.cellName(t.replicas, names[t.location]), t.restarts, t.oomKilled));
  return { kind: 'replicas', text: p.trouble(list.join(p.join)) };
}

export function observe(data: ReportData, lang: Lang): Observation[] {
  const p = PHRASES[lang];
  const names = WORDS[lang].locations;
  const cells = measured(data);
  const capacity = cells.filter((c) => c.capacityBound);
  const out: (Observation | null)[] = [
    ...data.locations.map((loc) => scaling(data, p, loc, names[loc])),
    ...data.locations.map((loc) => throughput(data, p, loc, names[loc])),
    gap(data, p, names),
    variability(cells, p, names),
    ...decided(cells, p, names),
    capacity.length > 0 ? { kind: 'capacity', text: p.capacity(capacity.map((c) => p.cellName(c.replicas, names[c.location])).join(p.join)) } : null,
    data.trials.total > data.trials.valid
      ? { kind: 'invalid', text: p.invalid(data.trials.total - data.trials.valid, data.trials.invalidReasons.join('; ')) }
      : null,
    ...data.locations.map((loc) => balance(data, p, loc, names[loc])),
    replicaHealth(data, p, names),
  ];
  return out.filter((o): o is Observation => o !== null);
}
