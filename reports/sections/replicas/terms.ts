/**
 * The words of the replicas study's section that the shared table
 * (reports/terms.ts) does not hold: limits, the capacity model, the answer
 * within the latency objective, the saturation phase, the generated
 * analysis. Per language.
 */
import type { LimitedBy } from '../../../experiments/contracts/domain.js';
import * as f from '../../format.js';
import type { Lang } from '../../terms.js';

const en = {
  smoke: 'Smoke run: one short trial per cell, not for submission.',
  limit: {
    'load-generator': 'the load generator', network: 'the network link', 'host-cpu': 'the host CPU', replicas: 'the replicas',
    timeout: 'request timeouts', none: 'nothing (upper bound)', unknown: 'unexplained',
  } satisfies Record<LimitedBy, string>,
  limitMark: { 'load-generator': 'G', network: 'N', 'host-cpu': 'H', replicas: 'R', timeout: 'T', none: '∞', unknown: 'U' } satisfies Record<LimitedBy, string>,
  limitNote: (what: string) => `limited by ${what} (Table 4 gives the measured counters).`,
  modelTable: {
    caption: (objectiveMs: number) => `Table 4: What limited each cell, the capacity model's prediction beside the measurement, and max users with p95 ≤ ${f.ms(objectiveMs)} ms (the second answer).`,
    limited: 'Limited by', model: 'Model', objective: 'p95 obj.',
  },
  saturationTable: {
    caption: 'Table 5: Saturation phase (autocannon, no think time): the highest throughput reached, the latency of one request alone, and the replicas\' CPU per request.',
    xMax: 'X max (req/s)', unloaded: 'R₀ (ms)', cpu: 'CPU/req (ms)',
  },
  figures: {
    scaling: 'Maximum users against pods: measured (mean ± sd, points) and the capacity model (lines); open marks at 16 and 32 pods are model output only, as if the host were not the limit.',
    saturation: 'Saturation phase: throughput against connections with no think time, per cell.',
  },
  axes: { connections: 'Connections', throughput: 'Throughput (req/s)' },
  series: { measured: 'measured', model: 'model', whatIf: 'model, host not the limit' },
  cell: (pods: number, loc: string) => `${pods} pod${pods === 1 ? '' : 's'} at the ${loc}`,
  scaling: (loc: string, lo: number, a: string, hi: number, b: string, speedup: number, limit: string) =>
    `${loc}: max users went from ${a} with ${lo} pod${lo > 1 ? 's' : ''} to ${b} with ${hi} pods (${f.ratio(speedup)} for ${f.ratio(hi / lo)} the pods), limited at ${hi} pods by ${limit}.`,
  superlinear: (loc: string, hi: number, evidence: string) =>
    `${loc}: that is more than linear in pods, which the pods themselves cannot do; at ${hi} pods ${evidence}, so the figure measures that limit, not the pods.`,
  limits: (list: string) => `What limited each cell, from the measured counters: ${list}.`,
  disagree: (cell: string, predicted: number, measured: string, diff: number, limit: string, evidence: string) =>
    `${cell}: the model predicts ${predicted} users against ${measured} measured (${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(0)} %); the measured limit is ${limit}: ${evidence}.`,
  agree: (k: number, n: number) => `The capacity model is within 20 % of the measured max users in ${k} of ${n} cells.`,
  objective: (list: string, ms: string) => `Max users with p95 ≤ ${ms} ms: ${list}.`,
  remoteAbove: (pods: number, remote: string, cluster: string, limit: string) =>
    `At ${pods} pods the Remote client held more users (${remote}) than the Master node (${cluster}): its requests waited in ${limit} instead of reaching the pods, so these users were held, not served.`,
  analysis: {
    scaling: (loc: string, parts: string) => `From the ${loc}, ${parts}.`,
    step: (pods: number, users: string, x: string, limit: string) => `${pods} pod${pods === 1 ? '' : 's'} held ${users} users at ${x} req/s (limited by ${limit})`,
    model: (k: number, n: number, list: string) =>
      `The capacity model (exact Mean Value Analysis of the closed network of think time, replicas, host and link, with the CPU per request and the unloaded latency measured in each cell) agrees within 20 % with the measured max users in ${k} of ${n} cells${list ? `; it does not in ${list}` : ''}.`,
    steady: (ratio: string, warm: string) => `Every answer rests on holds in steady state: at max users the measured X·(R + Z)/N averaged ${ratio} (Little's law asks for 1) after ${warm} s of warm-up left out.`,
    host: (cells: string, cores: number) => `Cells ${cells} asked for more CPU than the host's ${cores} cores; their numbers measure CPU contention on this machine, not what as many pods would do with a core each.`,
    spread: (list: string) => `Spread over trials: ${list}.`,
  },
};

export type ReplicaWords = typeof en;

const zh: ReplicaWords = {
  smoke: '冒烟测试：每个组合只有一次短试验，不可用于提交。',
  limit: { 'load-generator': '负载生成器', network: '网络链路', 'host-cpu': '主机 CPU', replicas: '副本', timeout: '请求超时', none: '无（达到搜索上限）', unknown: '无法解释' },
  limitMark: en.limitMark,
  limitNote: (what: string) => `受${what}限制（测量计数见表 4）。`,
  modelTable: {
    caption: (objectiveMs: number) => `表 4：各组合的限制因素、容量模型预测与实测对比，以及 p95 ≤ ${f.ms(objectiveMs)} ms 时的最大用户数（第二个答案）。`,
    limited: '限制', model: '模型', objective: 'p95 目标',
  },
  saturationTable: { caption: '表 5：饱和阶段（autocannon，无思考时间）：达到的最高吞吐量、单个请求的延迟、副本每请求 CPU。', xMax: '最大吞吐 (请求/秒)', unloaded: 'R₀ (ms)', cpu: '每请求 CPU (ms)' },
  figures: {
    scaling: '最大用户数与 Pod 数：实测（均值 ± 标准差，点）与容量模型（线）；16 与 32 个 Pod 的空心点仅为模型输出（假设主机不是限制）。',
    saturation: '饱和阶段：无思考时间下吞吐量与连接数的关系（按组合）。',
  },
  axes: { connections: '连接数', throughput: '吞吐量 (请求/秒)' },
  series: { measured: '实测', model: '模型', whatIf: '模型（主机不受限）' },
  cell: (pods: number, loc: string) => `${loc} ${pods} 个 Pod`,
  scaling: (loc: string, lo: number, a: string, hi: number, b: string, speedup: number, limit: string) =>
    `${loc}：最大用户数从 ${lo} 个 Pod 的 ${a} 增至 ${hi} 个 Pod 的 ${b}（Pod 增加 ${f.ratio(hi / lo)}，用户增加 ${f.ratio(speedup)}），${hi} 个 Pod 时受${limit}限制。`,
  superlinear: (loc: string, hi: number, evidence: string) => `${loc}：这超过了 Pod 数的线性增长，Pod 本身做不到；在 ${hi} 个 Pod 时 ${evidence}，因此该数字衡量的是该限制而非 Pod。`,
  limits: (list: string) => `根据测量计数，各组合的限制因素：${list}。`,
  disagree: (cell: string, predicted: number, measured: string, diff: number, limit: string, evidence: string) =>
    `${cell}：模型预测 ${predicted} 个用户，实测 ${measured}（${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(0)} %）；实测限制为${limit}：${evidence}。`,
  agree: (k: number, n: number) => `容量模型在 ${n} 个组合中的 ${k} 个与实测最大用户数相差在 20 % 以内。`,
  objective: (list: string, ms: string) => `p95 ≤ ${ms} ms 时的最大用户数：${list}。`,
  remoteAbove: (pods: number, remote: string, cluster: string, limit: string) =>
    `${pods} 个 Pod 时远程客户端承载的用户（${remote}）多于主节点（${cluster}）：其请求在${limit}中等待而未到达 Pod，这些用户是被“挂起”而非被服务。`,
  analysis: {
    scaling: (loc: string, parts: string) => `从${loc}看，${parts}。`,
    step: (pods: number, users: string, x: string, limit: string) => `${pods} 个 Pod 承载 ${users} 个用户、${x} 请求/秒（受${limit}限制）`,
    model: (k: number, n: number, list: string) => `容量模型（对思考时间、副本、主机与链路构成的封闭网络做精确均值分析，每请求 CPU 与空载延迟取自各组合的测量）在 ${n} 个组合中有 ${k} 个与实测最大用户数相差在 20 % 以内${list ? `；不一致的有：${list}` : ''}。`,
    steady: (ratio: string, warm: string) => `所有答案都基于稳态保持：最大用户数下实测 X·(R + Z)/N 平均为 ${ratio}（Little 定律要求为 1），已剔除 ${warm} 秒预热。`,
    host: (cells: string, cores: number) => `组合 ${cells} 请求的 CPU 超过主机的 ${cores} 个核；其数字衡量的是本机的 CPU 争用，而不是每个 Pod 各有一核时的表现。`,
    spread: (list: string) => `试验间波动：${list}。`,
  },
};

export const REPLICA_WORDS: Record<Lang, ReplicaWords> = { en, zh };
