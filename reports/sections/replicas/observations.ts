/**
 * Factual sentences computed from the numbers: scaling and the limit that
 * set each cell, the capacity model against the measurement, the answer
 * within the latency objective, the gap between client locations, the most
 * variable cell, what decided each search, load balance. Pure. A sentence
 * names a cause only when a measured counter shows it (analyse/limits.ts):
 * scaling past the pods is never presented as the pods'.
 */
import type { Cell } from '../../../experiments/record/schema.js';
import type { Location } from '../../../experiments/contracts/domain.js';
import { cellAt, type ReportData } from './data.js';
import * as f from '../../format.js';
import { WORDS, type Lang } from '../../terms.js';
import { REPLICA_WORDS } from './terms.js';

export interface Observation {
  kind: 'scaling' | 'superlinear' | 'throughput' | 'gap' | 'remote-above' | 'limits' | 'model' | 'objective' | 'variability' | 'decided' | 'capacity' | 'invalid' | 'balance' | 'replicas';
  text: string;
}

const en = {
  throughput: (loc: string, lo: number, hi: number, du: number, dq: number, qa: number, qb: number, ma: number, mb: number) =>
    `${loc}: from ${lo} to ${hi} pods, max users rose ${f.pct(du, 0)} while throughput at max users rose ${f.pct(dq, 0)} (${f.qps(qa)} → ${f.qps(qb)} requests/s) and the mean response time went from ${f.ms(ma)} to ${f.ms(mb)} ms.`,
  gap: (near: string, far: string, du: number, rel: number, dms: number, k: number) =>
    `Averaged over the ${k} pod counts measured at both locations, the ${far} sustained ${f.users(Math.abs(du))} ${du >= 0 ? 'fewer' : 'more'} users than the ${near} (${f.pct(Math.abs(rel), 0)}) and its average response time was ${f.ms(Math.abs(dms))} ms ${dms >= 0 ? 'higher' : 'lower'}.`,
  variability: (pods: number, loc: string, mean: number, sd: number, cv: number, n: number) =>
    `The most variable cell was ${pods} pod${pods > 1 ? 's' : ''} at the ${loc}: ${f.users(mean)} ± ${f.users(sd)} users over ${n} trials (coefficient of variation ${f.pct(cv, 0)}).`,
  allFailure: (n: number) => `All ${n} valid searches ended at the first failed request.`,
  decided: (what: string, k: number, n: number, cells: string) => `In ${k} of ${n} valid trials the search was ended by ${what} rather than a failed request (${cells}).`,
  decidedWhat: { 'latency-objective': 'the latency objective', 'upper-bound': 'the upper bound of the search' } as Record<string, string>,
  capacity: (cells: string) => `${cells} asked for more CPU than the host has: whatever limited them, the host was shared, so they understate what as many pods would do on a larger cluster.`,
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
  throughput: (loc: string, lo: number, hi: number, du: number, dq: number, qa: number, qb: number, ma: number, mb: number) =>
    `${loc}：从 ${lo} 个 Pod 到 ${hi} 个 Pod，最大用户数增加 ${f.pct(du, 0)}，而最大用户数下的吞吐量只增加 ${f.pct(dq, 0)}（${f.qps(qa)} → ${f.qps(qb)} 请求/秒），平均响应时间从 ${f.ms(ma)} ms 变为 ${f.ms(mb)} ms。`,
  gap: (near: string, far: string, du: number, rel: number, dms: number, k: number) =>
    `在两个位置都测量的 ${k} 种 Pod 数下平均，${far}比${near}${du >= 0 ? '少' : '多'}承载 ${f.users(Math.abs(du))} 个用户（${f.pct(Math.abs(rel), 0)}），平均响应时间${dms >= 0 ? '高' : '低'} ${f.ms(Math.abs(dms))} ms。`,
  variability: (pods: number, loc: string, mean: number, sd: number, cv: number, n: number) =>
    `波动最大的组合是${loc}的 ${pods} 个 Pod：${n} 次试验为 ${f.users(mean)} ± ${f.users(sd)} 个用户（变异系数 ${f.pct(cv, 0)}）。`,
  allFailure: (n: number) => `全部 ${n} 次有效搜索均在出现第一个失败请求时结束。`,
  decided: (what: string, k: number, n: number, cells: string) => `${n} 次有效试验中有 ${k} 次由${what}而非失败请求结束搜索（${cells}）。`,
  decidedWhat: { 'latency-objective': '延迟目标', 'upper-bound': '搜索上限' } as Record<string, string>,
  capacity: (cells: string) => `${cells} 请求的 CPU 超过主机所有：无论受何限制，主机都是共享的，因此低估了同样多的 Pod 在更大集群上的能力。`,
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

const usersOf = (c: Cell) => (c.maxUsers.sd === null ? String(c.maxUsers.mean) : f.users(c.maxUsers.mean));

/** First to last pod count at one location, the limit at the last, and why when it is more than linear. */
function scaling(data: ReportData, lang: Lang, loc: Location, name: string): Observation[] {
  const rw = REPLICA_WORDS[lang];
  const cells = data.pods.map((pods) => cellAt(data, pods, loc)).filter((c): c is Cell => c !== null && c.maxUsers.n > 0);
  const first = cells[0];
  const last = cells.at(-1);
  if (!first || !last || first === last || first.maxUsers.mean <= 0) return [];
  const speedup = last.maxUsers.mean / first.maxUsers.mean;
  const out: Observation[] = [{ kind: 'scaling', text: rw.scaling(name, first.replicas, usersOf(first), last.replicas, usersOf(last), speedup, rw.limit[last.limitedBy]) }];
  if (speedup > (last.replicas / first.replicas) * 1.05) out.push({ kind: 'superlinear', text: rw.superlinear(name, last.replicas, last.limitEvidence) });
  return out;
}

function limits(cells: Cell[], lang: Lang): Observation | null {
  const rw = REPLICA_WORDS[lang];
  const names = WORDS[lang].locations;
  if (cells.length === 0) return null;
  return { kind: 'limits', text: rw.limits(cells.map((c) => `${rw.cell(c.replicas, names[c.location])}: ${rw.limit[c.limitedBy]} (${c.limitEvidence})`).join('; ')) };
}

const MODEL_TOLERANCE = 0.2;

/** Every cell where model and measurement differ by more than 20 %, with the measured limit; else one line saying they agree. */
function model(cells: Cell[], lang: Lang): Observation[] {
  const rw = REPLICA_WORDS[lang];
  const names = WORDS[lang].locations;
  const modelled = cells.filter((c) => c.model?.predictedMaxUsers !== null && c.model?.predictedMaxUsers !== undefined && c.maxUsers.mean > 0);
  if (modelled.length === 0) return [];
  const off = modelled.filter((c) => Math.abs(c.model!.predictedMaxUsers! / c.maxUsers.mean - 1) > MODEL_TOLERANCE);
  const out: Observation[] = off.map((c) => ({
    kind: 'model',
    text: rw.disagree(rw.cell(c.replicas, names[c.location]), c.model!.predictedMaxUsers!, usersOf(c), c.model!.predictedMaxUsers! / c.maxUsers.mean - 1, rw.limit[c.limitedBy], c.limitEvidence),
  }));
  return [{ kind: 'model', text: rw.agree(modelled.length - off.length, modelled.length) }, ...out];
}

function objective(cells: Cell[], lang: Lang): Observation | null {
  const rw = REPLICA_WORDS[lang];
  const names = WORDS[lang].locations;
  const with_ = cells.filter((c) => c.objective.maxUsers.n > 0);
  if (with_.length === 0) return null;
  const list = with_.map((c) => `${rw.cell(c.replicas, names[c.location])} ${c.objective.maxUsers.sd === null ? c.objective.maxUsers.mean : f.users(c.objective.maxUsers.mean)}`).join('; ');
  return { kind: 'objective', text: rw.objective(list, f.ms(with_[0]!.objective.p95ObjectiveMs)) };
}

/** A remote client holding far more users than the master node is named with the limit that explains it. */
function remoteAbove(data: ReportData, lang: Lang): Observation[] {
  const rw = REPLICA_WORDS[lang];
  return data.pods.flatMap((pods) => {
    const cluster = cellAt(data, pods, 'cluster');
    const remote = cellAt(data, pods, 'remote');
    if (!cluster || !remote || cluster.maxUsers.n === 0 || remote.maxUsers.n === 0 || remote.maxUsers.mean <= cluster.maxUsers.mean * 1.2) return [];
    return [{ kind: 'remote-above' as const, text: rw.remoteAbove(pods, usersOf(remote), usersOf(cluster), rw.limit[remote.limitedBy]) }];
  });
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
    ...data.locations.flatMap((loc) => scaling(data, lang, loc, names[loc])),
    limits(cells, lang),
    ...model(cells, lang),
    objective(cells, lang),
    ...data.locations.map((loc) => throughput(data, p, loc, names[loc])),
    gap(data, p, names),
    ...remoteAbove(data, lang),
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
