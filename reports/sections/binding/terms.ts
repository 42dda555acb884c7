/**
 * The words of the binding study's section, per language: set-up, table
 * heads and captions, figure captions, verdicts. The observations come
 * generated (in English) from experiment_results.json.
 */
import * as f from '../../format.js';
import type { Lang } from '../../terms.js';

export interface SetupFacts {
  replicas: string;
  cpu: string;
  memoryMi: number;
  backend: string;
  policies: string;
  loads: string;
  rates: string;
  sizes: string;
  unitMs: number;
  warmupS: number;
  durationS: number;
  rounds: number;
  timeoutMs: number;
}

const en = {
  setup: (s: SetupFacts) =>
    `${s.replicas} replicas (${s.cpu} CPU and ${s.memoryMi} MiB each) ran on the ${s.backend} backend behind one balancer, which bound each request to a replica by one of these policies: ${s.policies}. `
    + `An open load sent Poisson arrivals at ${s.rates} requests/s, offering ${s.loads} of the replicas' CPU; each request asked for work of a size drawn from ${s.sizes}, one unit being ${s.unitMs} ms of one replica's CPU time. `
    + `Each trial had ${s.warmupS} s of warm-up (not counted) and ${s.durationS} s of counted arrivals; ${s.rounds} round(s) ran every policy on the same requests, each round on other ones. A request slower than ${f.ms(s.timeoutMs)} ms timed out. `
    + 'JCT is end − send on the client; queueing delay is the balancer\'s and the replica\'s queue, as the replica and the balancer report them in Server-Timing; slowdown is JCT ÷ service time.',
  smoke: 'Smoke run: short trials, too few for firm conclusions; not for submission.',
  hostBound: 'The replicas waited for this machine\'s CPU beyond their own limits during these trials (see the observations): the comparison measures the host more than the policies.',
  policy: 'Policy', load: 'Load', n: 'n', p50: 'p50', p95: 'p95', p99: 'p99', shortP95: 'short p95', queue: 'queue (mean)', timeouts: 'timeouts', cpu: 'CPU',
  sizeClass: 'size (units)', replica: 'replica', busy: 'work', handover: 'hand-over', held: 'bound', throttled: 'throttled', served: 'served',
  baseline: 'round-robin p95', difference: 'difference (95 % CI)', verdict: 'verdict',
  jctTable: 'Table 1: Job completion time by policy and load, all jobs (ms), the short jobs\' p95, the mean queueing delay, timeouts and the replicas\' mean CPU utilisation of their limit.',
  classTable: 'Table 2: p95 JCT by size class (ms) and, after the slash, the median slowdown (JCT ÷ service time).',
  compareTable: (classes: string) => `Table 3: Short jobs (${classes} units): p95 JCT under each policy against round-robin, the difference with a bootstrap 95 % interval, and the verdict (lower or higher only when the interval excludes zero).`,
  replicaTable: 'Table 4: Per replica, over the loads: CPU used of its limit, time in work, time in hand-over (a request on its way, parsed or answered, neither queued nor worked on), requests bound to it on average (from hand-over to answer; above 1 it queued them), time held back by its CPU quota, and requests served.',
  verdicts: { lower: 'lower', higher: 'higher', indistinguishable: 'not distinguishable', 'too few samples': 'too few samples' },
  cdf: 'Distribution of job completion time per policy, all counted jobs (log scale).',
  slowdown: 'Median slowdown (JCT ÷ service time) by size class, per policy (log scales).',
  jct: 'JCT (ms)', share: 'share of jobs', units: 'size (units)', slowdownAxis: 'median slowdown',
  files: { results: 'cells, size classes, comparisons and observations', summary: 'one row per policy × load × size class' },
};

type Words = typeof en;

const zh: Words = {
  setup: (s) =>
    `${s.replicas} 个副本（每个 ${s.cpu} CPU、${s.memoryMi} MiB）运行在 ${s.backend} 后端上，由一个负载均衡器按以下策略之一把请求绑定到副本：${s.policies}。`
    + `开放负载按泊松过程以每秒 ${s.rates} 个请求到达，提供副本 CPU 的 ${s.loads}；每个请求的工作量从 ${s.sizes} 中抽取，一个单位为一个副本 ${s.unitMs} ms 的 CPU 时间。`
    + `每次试验先预热 ${s.warmupS} s（不计入），再计入 ${s.durationS} s 的到达；共 ${s.rounds} 轮，每轮所有策略使用相同的请求，各轮请求不同。超过 ${f.ms(s.timeoutMs)} ms 的请求记为超时。`
    + 'JCT 为客户端的结束时间减发送时间；排队延迟为均衡器与副本队列之和（来自 Server-Timing）；减速比为 JCT ÷ 服务时间。',
  smoke: '冒烟测试：试验很短，不足以得出结论；不可用于提交。',
  hostBound: '这些试验中副本在自身限额之外还在等待本机 CPU（见观察）：比较反映的更多是主机而非策略。',
  policy: '策略', load: '负载', n: 'n', p50: 'p50', p95: 'p95', p99: 'p99', shortP95: '短作业 p95', queue: '排队（均值）', timeouts: '超时', cpu: 'CPU',
  sizeClass: '大小（单位）', replica: '副本', busy: '工作', handover: '交接', held: '绑定数', throttled: '限流', served: '请求数',
  baseline: '轮询 p95', difference: '差值（95 % 区间）', verdict: '结论',
  jctTable: '表 1：各策略与负载下全部作业的完成时间（ms）、短作业 p95、平均排队延迟、超时数，以及副本相对限额的平均 CPU 利用率。',
  classTable: '表 2：各大小类别的 p95 JCT（ms），斜线后为减速比中位数（JCT ÷ 服务时间）。',
  compareTable: (classes) => `表 3：短作业（${classes} 单位）：各策略与轮询的 p95 JCT、差值及自助法 95 % 区间、结论（区间不含零时才判定更低或更高）。`,
  replicaTable: '表 4：各副本在负载期间：相对限额的 CPU 使用、工作时间、交接时间（请求在途、解析或应答，既未排队也未处理）、平均绑定的请求数（从交付到应答；大于 1 表示在副本内排队）、被 CPU 配额限流的时间、处理的请求数。',
  verdicts: { lower: '更低', higher: '更高', indistinguishable: '无法区分', 'too few samples': '样本不足' },
  cdf: '各策略全部计入作业的完成时间分布（对数坐标）。',
  slowdown: '各策略按大小类别的减速比中位数（对数坐标）。',
  jct: 'JCT（ms）', share: '作业比例', units: '大小（单位）', slowdownAxis: '减速比中位数',
  files: { results: '组合、大小类别、比较与观察', summary: '每个策略 × 负载 × 大小类别一行' },
};

export const BINDING_WORDS: Record<Lang, Words> = { en, zh };
