/**
 * Every word the report itself prints, per language, and the few that depend
 * on the task (CloudDetect vs CloudPose). Templates, charts and observations
 * take their text from here so a new task or language is one table.
 */
import type { Location, Task } from '../experiments/contracts/domain.js';

export type Lang = 'en' | 'zh';

export interface TaskTerms {
  product: string;
  service: string;
  endpoint: string;
}

const TASKS: Record<Lang, Record<Task, TaskTerms>> = {
  en: {
    detection: { product: 'CloudDetect', service: 'object-detection web service', endpoint: '/api/object_detection' },
    pose: { product: 'CloudPose', service: 'pose-estimation web service', endpoint: '/api/pose_estimation' },
  },
  zh: {
    detection: { product: 'CloudDetect', service: '目标检测 Web 服务', endpoint: '/api/object_detection' },
    pose: { product: 'CloudPose', service: '姿态估计 Web 服务', endpoint: '/api/pose_estimation' },
  },
};

export function taskTerms(lang: Lang, task: Task): TaskTerms {
  return TASKS[lang][task];
}

const en = {
  htmlLang: 'en',
  fields: { name: 'Full name', studentId: 'Student ID', supervisor: 'Supervisor', title: 'Title' },
  placeholder: (field: string) => `[${field}: not given]`,
  notGiven: '[not given]',
  subtitle: (t: TaskTerms, runId: string, date: string) => `Load-testing report of the ${t.product} ${t.service}, run ${runId}, measured ${date}`,
  locations: { cluster: 'Master node', remote: 'Remote client' } satisfies Record<Location, string>,
  sections: {
    setup: 'Experimental set-up', results: 'Results', observations: 'Observations from the data',
    analysis: 'Analysis of the results', challenges: 'Distributed-systems challenges', references: 'References',
    appendix: 'Appendix', deployment: 'A. Deployment manifest', load: 'B. Load configuration',
    environment: 'C. Environment', files: 'D. Result files', logs: 'E. Per-replica log excerpt',
  },
  setup: (o: { product: string; service: string; endpoint: string; pods: string; cpu: number; mem: number; backend: string; locations: string; trials: string }) =>
    `The ${o.product} ${o.service} (${o.endpoint}) ran as ${o.pods} replicas, each limited to ${o.cpu} CPU and ${o.mem} MiB of memory, on the ${o.backend} backend. `
    + `Clients generated load from the ${o.locations}; each pods × location cell was measured in ${o.trials} trials, and the tables give the mean ± sample standard deviation over the valid ones.`,
  paths: (list: string) => ` Client paths: ${list}.`,
  path: (loc: string, description: string, rttMs: string | null, mbit: number | null) =>
    `${loc}, ${description} (${rttMs === null ? 'RTT not measured' : `measured RTT ${rttMs} ms`}${mbit === null ? '' : `, ${mbit} Mbit/s`})`,
  table1: {
    caption: 'Table 1: Experiment results — maximum concurrent users with 100% success and average response time at that load.',
    pods: '# of Pods', maxUsers: 'Max Users', avgResponse: 'Avg. Response Time (ms)',
  },
  latencyTable: { caption: 'Table 2: Response-time percentiles at maximum users (ms).', p50: 'P50', p95: 'P95', p99: 'P99', max: 'Max' },
  throughputTable: { caption: 'Table 3: Throughput at maximum users (confirming holds, all trials).', qpsAvg: 'QPS avg', qpsMax: 'QPS max', total: 'Requests', success: 'Success' },
  footnotes: {
    capacity: 'capacity-bound: the pods together asked for at least as much CPU as the host could give, so the host limited the result.',
    limits: 'CPU and memory limits were not enforced in this cell.',
    invalid: (n: number) => `${n} invalid trial(s) excluded.`,
    missing: 'not measured.',
  },
  figures: {
    scaling: 'Maximum users against pods (mean ± sd); dashed lines show ideal linear scaling from one pod.',
    latency: 'Mean response time against concurrent users during the search, per pod count.',
    balance: 'Share of requests served by each replica at maximum users (X-Served-By); each segment is one replica, so an even split gives equal segments.',
  },
  figure: (n: number) => `Figure ${n}:`,
  podCount: (n: number) => `${n} pod${n === 1 ? '' : 's'}`,
  axes: { pods: 'Pods', maxUsers: 'Max users', users: 'Concurrent users', latency: 'Mean response time (ms)', share: 'Share of requests (%)' },
  notesPlaceholder: {
    analysis: (file: string) => `Author's section missing: write the explanation of the observations (about 1000 words) under "## Analysis" in ${file}.`,
    challenges: (file: string) => `Author's section missing: describe three distributed-systems challenges with examples from the project (about 500 words) under "## Challenges" in ${file}.`,
  },
  words: (n: number, limit: number) => `Word count: ${n} of ${limit} (excluding tables, captions, references and appendix).`,
  wordsOver: (n: number, limit: number) => `The report has ${n} words, ${n - limit} over the ${limit}-word limit.`,
  files: { results: 'all trials and cells, as recorded', summary: 'one row per pods × location cell' },
  logsNone: 'No per-replica logs were recorded in this run.',
  generated: 'Generated from the measurements by CloudDetect; write your own analysis under "## Analysis" in the notes file to replace it.',
  na: '—',
  trials: (n: number) => `${n} trial${n === 1 ? '' : 's'}`,
};

export type Words = typeof en;

const zh: Words = {
  htmlLang: 'zh-CN',
  fields: { name: '姓名', studentId: '学号', supervisor: '导师', title: '题目' },
  placeholder: (field: string) => `[${field}：未填写]`,
  notGiven: '[未填写]',
  subtitle: (t: TaskTerms, runId: string, date: string) => `${t.product} ${t.service}负载测试报告，运行 ${runId}，测量于 ${date}`,
  locations: { cluster: '主节点', remote: '远程客户端' },
  sections: {
    setup: '实验设置', results: '实验结果', observations: '数据观察',
    analysis: '结果分析', challenges: '分布式系统挑战', references: '参考文献',
    appendix: '附录', deployment: 'A. 部署清单', load: 'B. 负载配置',
    environment: 'C. 实验环境', files: 'D. 结果文件', logs: 'E. 各副本日志摘录',
  },
  setup: (o) =>
    `${o.product} ${o.service}（${o.endpoint}）以 ${o.pods} 个副本运行，每个副本限制为 ${o.cpu} CPU 和 ${o.mem} MiB 内存，后端为 ${o.backend}。`
    + `负载从${o.locations}产生；每个 Pod 数 × 位置组合进行 ${o.trials} 次试验，表中给出有效试验的均值 ± 样本标准差。`,
  paths: (list: string) => `客户端路径：${list}。`,
  path: (loc: string, description: string, rttMs: string | null, mbit: number | null) =>
    `${loc}，${description}（${rttMs === null ? '未测得 RTT' : `实测 RTT ${rttMs} ms`}${mbit === null ? '' : `，${mbit} Mbit/s`}）`,
  table1: {
    caption: '表 1：实验结果——100% 成功率下的最大并发用户数及该负载下的平均响应时间。',
    pods: 'Pod 数量', maxUsers: '最大用户数', avgResponse: '平均响应时间 (ms)',
  },
  latencyTable: { caption: '表 2：最大用户数下的响应时间百分位 (ms)。', p50: 'P50', p95: 'P95', p99: 'P99', max: '最大值' },
  throughputTable: { caption: '表 3：最大用户数下的吞吐量（各试验的确认阶段）。', qpsAvg: '平均 QPS', qpsMax: '最大 QPS', total: '总请求数', success: '成功率' },
  footnotes: {
    capacity: '受容量限制：各 Pod 请求的 CPU 总量不少于主机可提供的 CPU，结果受主机限制。',
    limits: '该组合未强制执行 CPU 和内存限制。',
    invalid: (n: number) => `已排除 ${n} 次无效试验。`,
    missing: '未测量。',
  },
  figures: {
    scaling: '最大用户数与 Pod 数的关系（均值 ± 标准差）；虚线为从单个 Pod 出发的理想线性扩展。',
    latency: '搜索过程中平均响应时间与并发用户数的关系（按 Pod 数）。',
    balance: '最大用户数下各副本处理的请求占比（X-Served-By）；每段代表一个副本，均匀分配时各段等长。',
  },
  figure: (n: number) => `图 ${n}：`,
  podCount: (n: number) => `${n} 个 Pod`,
  axes: { pods: 'Pod 数', maxUsers: '最大用户数', users: '并发用户数', latency: '平均响应时间 (ms)', share: '请求占比 (%)' },
  notesPlaceholder: {
    analysis: (file: string) => `作者部分缺失：请在 ${file} 的 "## Analysis" 标题下撰写对观察结果的解释（约 1000 字）。`,
    challenges: (file: string) => `作者部分缺失：请在 ${file} 的 "## Challenges" 标题下描述三个分布式系统挑战及项目中的实例（约 500 字）。`,
  },
  words: (n: number, limit: number) => `字数：${n} / ${limit}（不含表格、图表说明、参考文献和附录）。`,
  wordsOver: (n: number, limit: number) => `报告共 ${n} 字，超出 ${limit} 字限制 ${n - limit} 字。`,
  files: { results: '全部试验与组合的原始记录', summary: '每个 Pod 数 × 位置组合一行' },
  logsNone: '本次运行没有记录副本日志。',
  generated: '由 CloudDetect 根据测量数据生成；在 notes 文件的 "## Analysis" 下撰写你自己的分析即可替换。',
  na: '—',
  trials: (n: number) => `${n} 次试验`,
};

export const WORDS: Record<Lang, Words> = { en, zh };

export const WORD_LIMIT = 1500;
