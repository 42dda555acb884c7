/** The resources section's words, English and Chinese. The generated observations come from experiments/analyse in English. */
import type { Lang } from '../../terms.js';

export interface SetupFacts {
  backend: string;
  hostCores: number;
  loadGenCpu: number;
  configurations: number;
  models: string;
  cpus: string;
  memories: string;
  warmupS: number;
  durationS: number;
  maxRequests: number;
  concurrency: number;
  trials: string;
}

const en = {
  smoke: 'Smoke run: one short trial per configuration, not for conclusions.',
  setup: (o: SetupFacts) =>
    `Each configuration ran one replica on the ${o.backend} backend (host: ${o.hostCores} cores, ${o.loadGenCpu} of them planned for the load generator): ` +
    `${o.configurations} configurations (CPU ${o.cpus} cores; memory ${o.memories} MiB) × ${o.models}. ` +
    `After a ${o.warmupS} s warm-up, each was measured at concurrency 1 and at ${o.concurrency} connections without think time, each level ending at ${o.maxRequests} answers or ${o.durationS} s; ` +
    `${o.trials} trials per configuration. Images/s counts successful answers at saturation; latency is one request alone.`,
  status: { success: 'served', oom: 'OOM', failed: 'failed', skipped: 'skipped', pending: 'not run' } as Record<string, string>,
  measured: {
    caption: 'Measured configurations: images/s at saturation, latency of one request alone, the replica cgroup\'s peak memory and CPU throttling.',
    head: ['Configuration', 'Model', 'CPU', 'MiB', 'Status', 'Images/s', 'p95 alone (ms)', 'Peak (MiB)', 'Throttled', 'Ready (s)'],
  },
  optimal: {
    caption: (p95: number) => `Recommended configuration per task and model: the most images/s, the most per CPU, and the cheapest whose p95 alone is within ${p95} ms (cost weights from the config).`,
    head: ['Task / model', 'Most images/s', 'Most per CPU', 'Cheapest within objective'],
    choice: (name: string, rate: string, cost: string) => `${name} (${rate} images/s, ${cost}/h)`,
  },
  heatmap: 'Images/s at saturation by configuration and task/model; OOM, failed and skipped configurations are marked.',
  scaling: 'Images/s against the replica\'s CPU limit per model and memory level (solid), with the linear expectation from the smallest configuration (dashed); past the dotted line the replica and the load generator together ask more cores than the host has.',
  axes: { configuration: 'Configuration', taskModel: 'Task / model', imagesPerS: 'Images/s', cpu: 'CPU limit (cores)', series: 'Model, memory', hostLimit: 'host limit' },
  footnotes: {
    capacity: 'replica CPU + load generator exceed the host\'s cores: the host, not the configuration, bounded it',
    limits: 'CPU and memory limits were not enforced',
    skipped: (n: number, reasons: string) => `${n} configuration${n === 1 ? ' was' : 's were'} skipped (${reasons}).`,
  },
  trials: (n: number) => (n === 1 ? '1 trial' : `n = ${n}`),
  none: 'none',
  files: {
    'experiment_results.csv': 'one row per configuration × task × model: the seed\'s columns, then ours',
    'experiment_analysis.csv': 'images/s per CPU and per GiB, efficiency against the best, cost',
    'experiment_summary.json': 'counts by status, settings, observations',
    'optimal_configurations.json': 'the recommended configurations per task × model',
  } as Record<string, string>,
  analysis: {
    pick: (model: string, best: string, perCpu: string, cheapest: string | null, p95: number) =>
      `For ${model}, ${best} gave the most images/s and ${perCpu} the most per CPU; ${cheapest ? `the cheapest configuration within p95 ≤ ${p95} ms alone was ${cheapest}` : `no configuration kept p95 alone within ${p95} ms`}.`,
    unserved: (model: string) => `No configuration served ${model}.`,
    hostBound: 'Configurations marked over the host\'s capacity measure this machine, not the replica; a cluster with the cores to spare is needed to size them.',
  },
  observationsInEnglish: null as string | null,
};

export type ResourceWords = typeof en;

const zh: ResourceWords = {
  smoke: '冒烟测试：每种配置只有一次短试验，不可据此下结论。',
  setup: (o) =>
    `每种配置在 ${o.backend} 后端上运行一个副本（主机 ${o.hostCores} 核，其中 ${o.loadGenCpu} 核留给负载生成器）：` +
    `${o.configurations} 种配置（CPU ${o.cpus} 核；内存 ${o.memories} MiB）× ${o.models}。` +
    `预热 ${o.warmupS} 秒后，分别在并发 1 和 ${o.concurrency} 个无思考时间的连接下测量，每级在 ${o.maxRequests} 个应答或 ${o.durationS} 秒时结束；` +
    `每种配置 ${o.trials} 次试验。图像/秒为饱和时的成功应答数；延迟为单个请求的延迟。`,
  status: { success: '成功', oom: 'OOM', failed: '失败', skipped: '跳过', pending: '未运行' },
  measured: {
    caption: '已测配置：饱和时的图像/秒、单个请求的延迟、副本 cgroup 的峰值内存与 CPU 节流。',
    head: ['配置', '模型', 'CPU', 'MiB', '状态', '图像/秒', '单请求 p95（毫秒）', '峰值（MiB）', '节流', '就绪（秒）'],
  },
  optimal: {
    caption: (p95) => `各任务与模型的推荐配置：图像/秒最高、每 CPU 图像/秒最高，以及单请求 p95 不超过 ${p95} 毫秒的最便宜配置（成本权重取自配置）。`,
    head: ['任务 / 模型', '图像/秒最高', '每 CPU 最高', '满足目标的最便宜配置'],
    choice: (name, rate, cost) => `${name}（${rate} 图像/秒，${cost}/小时）`,
  },
  heatmap: '按配置与任务/模型的饱和图像/秒；OOM、失败与跳过的配置已标出。',
  scaling: '各模型与内存级别下图像/秒随副本 CPU 上限的变化（实线），以及由最小配置线性外推的期望（虚线）；点线右侧副本与负载生成器所需核数超过主机。',
  axes: { configuration: '配置', taskModel: '任务 / 模型', imagesPerS: '图像/秒', cpu: 'CPU 上限（核）', series: '模型，内存', hostLimit: '主机上限' },
  footnotes: {
    capacity: '副本 CPU 加负载生成器超过主机核数：限制来自主机而非该配置',
    limits: '未强制执行 CPU 与内存限制',
    skipped: (n, reasons) => `${n} 种配置被跳过（${reasons}）。`,
  },
  trials: (n) => (n === 1 ? '1 次试验' : `n = ${n}`),
  none: '无',
  files: {
    'experiment_results.csv': '每种配置 × 任务 × 模型一行：先为种子的列，后为本项目的列',
    'experiment_analysis.csv': '每 CPU、每 GiB 的图像/秒，相对最佳的效率，成本',
    'experiment_summary.json': '按状态计数、设置与观察',
    'optimal_configurations.json': '各任务 × 模型的推荐配置',
  },
  analysis: {
    pick: (model, best, perCpu, cheapest, p95) =>
      `对 ${model}，${best} 的图像/秒最高，${perCpu} 的每 CPU 图像/秒最高；${cheapest ? `单请求 p95 不超过 ${p95} 毫秒的最便宜配置是 ${cheapest}` : `没有配置能使单请求 p95 保持在 ${p95} 毫秒以内`}。`,
    unserved: (model) => `没有配置成功服务 ${model}。`,
    hostBound: '标为超出主机容量的配置测量的是本机而非副本；要为它们定规格，需要一个有富余核数的集群。',
  },
  observationsInEnglish: '观察由数据自动生成，仅有英文。',
};

export const RESOURCE_WORDS: Record<Lang, ResourceWords> = { en, zh };
