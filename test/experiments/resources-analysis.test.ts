import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisRows, costPerHour, optimalConfigurations } from '../../experiments/analyse/resources-choice.js';
import { ANALYSIS_CSV_COLUMNS, OUR_COLUMNS, RESULTS_CSV_COLUMNS, SEED_COLUMNS } from '../../experiments/analyse/resources-files.js';
import { resourceObservations } from '../../experiments/analyse/resources-observations.js';
import { resourceRows } from '../../experiments/analyse/resources-rows.js';
import { resolveConfig } from '../../experiments/plan/config.js';
import { buildPlan } from '../../experiments/plan/plan.js';
import { resourcesStudy } from '../../experiments/studies/resources.js';
import { workloadTrial } from './resources-fixtures.js';

const config = (over: Record<string, unknown> = {}) =>
  resolveConfig({
    study: 'resources',
    resources: {
      grid: { cpus: [0.25, 0.5, 1, 2], memoryMi: [64, 512, 1024] },
      configurations: [{ name: 'gpu-half', cpu: 1, memoryMi: 1024, gpu: { count: 1, coresPercent: 50 } }],
      models: [
        { name: 'yolox-nano', task: 'detection', model: 'model/a.onnx' },
        { name: 'movenet', task: 'pose', model: 'model/p.onnx', detector: 'model/d.onnx' },
      ],
      objective: { p95Ms: 500 },
      ...over,
    },
  }, 'test');
const planOf = (c = config()) => buildPlan(c, { runId: 'r', backend: 'local', machineCores: 2, fitHost: false, profile: 'quick', now: new Date(0) });

/** yolox-nano: 4 / 8 / 12 / 12 images/s at 0.25-2 CPU; p95 alone 900 / 400 / 200 / 200 ms; OOM at 64 MiB; movenet failed once, the rest pending. */
function trials() {
  const t = [];
  const alone: Record<string, number> = { '0.25': 900 / 1.4, '0.5': 400 / 1.4, '1': 200 / 1.4, '2': 200 / 1.4 };
  const rate: Record<string, number> = { '0.25': 4, '0.5': 8, '1': 12, '2': 12 };
  for (const mem of [512, 1024]) {
    for (const cpu of ['0.25', '0.5', '1', '2']) {
      const cores = cpu === '1' ? 0.6 : Number(cpu) * 0.95;
      t.push(workloadTrial({
        cell: `yolox-nano-cpu${cpu}-mem${mem}`, rate: rate[cpu], aloneMs: alone[cpu],
        usage: { cpuSeconds: cores * 8, throttledShare: cpu === '0.25' ? 0.7 : 0.02 }, memoryPeakBytes: 110 * 2 ** 20, hostBusy: cpu === '1' ? 0.98 : 0.6,
      }));
    }
  }
  for (const cpu of ['0.25', '0.5', '1', '2']) t.push(workloadTrial({ cell: `yolox-nano-cpu${cpu}-mem64`, status: 'oom', usage: null, startupS: null }));
  t.push(workloadTrial({ cell: 'movenet-cpu0.25-mem512', status: 'failed', usage: null, startupS: null }));
  return t;
}

test('one row per configuration × model, with the cell\'s status: success, oom, failed, skipped, pending', () => {
  const plan = planOf();
  const rows = resourceRows(plan.cells, trials(), true, 2);
  assert.equal(rows.length, plan.cells.length);
  const status = (id: string) => rows.find((r) => r.cell === id)!.status;
  assert.equal(status('yolox-nano-cpu1-mem512'), 'success');
  assert.equal(status('yolox-nano-cpu0.5-mem64'), 'oom');
  assert.equal(status('movenet-cpu0.25-mem512'), 'failed');
  assert.equal(status('movenet-cpu1-mem512'), 'pending');
  const gpu = rows.find((r) => r.cell === 'yolox-nano-gpu-half')!;
  assert.equal(gpu.status, 'skipped');
  assert.equal(gpu.error, 'GPU share not available on this backend');
  const r = rows.find((x) => x.cell === 'yolox-nano-cpu0.5-mem512')!;
  assert.equal(r.imagesPerS.mean, 8);
  assert.equal(r.n, 1);
  assert.ok(Math.abs(r.cpuUsedCores! - 0.475) < 1e-9);
  assert.ok(Math.abs(r.otherLoadCores! - (0.6 * 2 - 0.475 - 0.1)) < 1e-9);
  assert.equal(r.totalS, 2 + 9, 'to ready, then the trial');
});

test('the four files: the seed\'s columns first, then ours; skipped and failed rows carry their reason; commas are quoted', () => {
  const plan = planOf();
  const files = resourcesStudy.analyse(plan, trials(), { limitsEnforced: true, createdAt: '2026-01-01T00:00:00Z' });
  assert.deepEqual(Object.keys(files).sort(), ['experiment_analysis.csv', 'experiment_results.csv', 'experiment_summary.json', 'optimal_configurations.json']);
  const lines = files['experiment_results.csv']!.trim().split('\n');
  assert.equal(lines[0], RESULTS_CSV_COLUMNS.join(','));
  assert.deepEqual(RESULTS_CSV_COLUMNS.slice(0, SEED_COLUMNS.length), [...SEED_COLUMNS]);
  for (const c of ['model', 'images_per_s', 'p50_ms', 'p95_ms', 'p99_ms', 'peak_memory_mb', 'cpu_throttled_share', 'startup_s', 'n']) assert.ok((OUR_COLUMNS as readonly string[]).includes(c), c);
  assert.equal(lines.length - 1, plan.cells.length);
  const header = lines[0]!.split(',');
  const row = (id: string) => {
    const line = lines.find((l) => l.endsWith(`,${id}`))!;
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  };
  assert.equal(row('yolox-nano-cpu0.25-mem512').status, 'success');
  assert.equal(row('yolox-nano-cpu0.25-mem512').images_per_s, '4');
  assert.equal(row('yolox-nano-cpu0.25-mem512').memory_gb, '0.5');
  assert.equal(row('yolox-nano-cpu0.25-mem512').gpu_memory_used, '', 'never measured here, never guessed');
  assert.equal(row('yolox-nano-cpu0.5-mem64').status, 'oom');
  assert.equal(row('yolox-nano-gpu-half').gpu_ratio, '0.5');
  assert.equal(row('yolox-nano-gpu-half').error_message, 'GPU share not available on this backend');
  assert.equal(files['experiment_analysis.csv']!.split('\n')[0], ANALYSIS_CSV_COLUMNS.join(','));
  const summary = JSON.parse(files['experiment_summary.json']!);
  assert.deepEqual(summary.counts, { success: 8, oom: 4, failed: 1, skipped: 2, pending: 11 });
  const withComma = resourcesStudy.analyse(planOf(), [workloadTrial({ cell: 'movenet-cpu1-mem512', status: 'failed', usage: null })], { limitsEnforced: true, createdAt: '' });
  assert.match(withComma['experiment_results.csv']!, /,failed,failed in test,/);
});

test('efficiency against the best configuration of the same task × model, per CPU and per GiB', () => {
  const analysed = analysisRows(resourceRows(planOf().cells, trials(), true, 2), config().resources);
  const a = (id: string) => analysed.find((x) => x.row.cell === id)!;
  assert.equal(a('yolox-nano-cpu1-mem512').efficiencyVsBest, 1);
  assert.equal(a('yolox-nano-cpu0.25-mem512').efficiencyVsBest, 4 / 12);
  assert.equal(a('yolox-nano-cpu0.25-mem512').imagesPerSPerCpu, 16);
  assert.equal(a('yolox-nano-cpu0.25-mem512').perCpuEfficiencyVsBest, 1);
  assert.equal(a('yolox-nano-cpu0.5-mem512').imagesPerSPerGiB, 16);
  assert.equal(a('yolox-nano-cpu0.5-mem64').efficiencyVsBest, null, 'an OOM-killed configuration has no efficiency');
  assert.equal(a('yolox-nano-cpu0.5-mem512').meetsObjective, true);
  assert.equal(a('yolox-nano-cpu0.25-mem512').meetsObjective, false);
});

test('optimal configurations: most images/s, most per CPU, and the cheapest meeting the objective under the cost weights', () => {
  const rows = resourceRows(planOf().cells, trials(), true, 2);
  const choose = (costs: Record<string, number>, p95Ms = 500) => {
    const c = config({ costs, objective: { p95Ms } });
    return optimalConfigurations(analysisRows(rows, c.resources), c.resources.objective).find((x) => x.model === 'yolox-nano')!;
  };
  const cpuPriced = choose({ perCpuHour: 0.04, perGiBHour: 0.005 });
  assert.equal(cpuPriced.bestThroughput!.configuration, 'cpu1-mem512', 'ties go to the cheaper');
  assert.equal(cpuPriced.bestPerCpu!.configuration, 'cpu0.25-mem512');
  assert.equal(cpuPriced.cheapestMeetingObjective!.configuration, 'cpu0.5-mem512', '0.25 CPU misses p95 ≤ 500 ms');
  assert.equal(cpuPriced.cheapestMeetingObjective!.costPerHour, costPerHour({ cpu: 0.5, memoryMi: 512, gpu: null }, { perCpuHour: 0.04, perGiBHour: 0.005, perGpuHour: 0 }));
  assert.equal(choose({ perCpuHour: 0.04, perGiBHour: 0.005 }, 1000).cheapestMeetingObjective!.configuration, 'cpu0.25-mem512');
  // memory priced far above CPU: among those meeting the objective, the one with less memory wins even at more CPU
  const c2 = config({ costs: { perCpuHour: 0.001, perGiBHour: 10 }, grid: { cpus: [0.25, 0.5, 1, 2], memoryMi: [64, 512, 1024] } });
  const mixed = resourceRows(planOf(c2).cells, trials().filter((t) => t.cell !== 'yolox-nano-cpu0.5-mem512' && t.cell !== 'yolox-nano-cpu2-mem512'), true, 2);
  const pick = optimalConfigurations(analysisRows(mixed, c2.resources), c2.resources.objective).find((x) => x.model === 'yolox-nano')!;
  assert.equal(pick.cheapestMeetingObjective!.configuration, 'cpu1-mem512');
  const none = choose({}, 100);
  assert.equal(none.cheapestMeetingObjective, null);
  assert.match(none.notes.join(' '), /no configuration met p95 ≤ 100 ms alone \(lowest: 200\.\d ms at cpu1-mem512/);
  const movenet = optimalConfigurations(analysisRows(rows, config().resources), config().resources.objective).find((x) => x.model === 'movenet')!;
  assert.equal(movenet.bestThroughput, null);
  assert.match(movenet.notes[0]!, /no configuration served movenet/);
  assert.equal(movenet.measured, true);
  const onlySkipped = resourceRows(planOf().cells.filter((c) => c.id === 'yolox-nano-gpu-half'), [], true, 2);
  const notMeasured = optimalConfigurations(analysisRows(onlySkipped, config().resources), config().resources.objective)[0]!;
  assert.deepEqual([notMeasured.measured, notMeasured.notes], [false, ['not measured: GPU share not available on this backend']]);
});

test('observations: linear expectation from the smallest CPU, the limit that explains a shortfall, OOM, skips and n', () => {
  const rows = resourceRows(planOf().cells, trials(), true, 2);
  const out = resourceObservations(rows, { hostCores: 2, loadGenCpu: 1, backend: 'local', limitsEnforced: true });
  const text = out.join('\n');
  assert.match(out[0]!, /^n = 1 trial per configuration: no spread/);
  assert.match(text, /yolox-nano \(detection\) at 512 MiB: 4\.00, 8\.00, 12\.00, 12\.00 images\/s at 0\.25, 0\.5, 1, 2 CPU, 100 %, 75 %, 38 % of linear from 0\.25 CPU/);
  assert.match(text, /at 1 CPU it used 0\.60 of its 1 cores, throttled in 2 % of its CPU periods, while the host's 2 cores were 98 % busy.*the host's other load, not the quota, held it/);
  assert.match(text, /at 2 CPU the host bounds it: 2 CPU \+ 1 for the load generator exceed its 2 cores/);
  assert.match(text, /Over the host's capacity .*cpu2-mem64, cpu2-mem512, cpu2-mem1024/);
  assert.match(text, /Most throttled: yolox-nano at cpu0\.25-mem512, its 0\.25-CPU quota hit in 70 % of its CPU periods/);
  assert.match(text, /OOM-killed \(status oom\): yolox-nano at cpu0\.25-mem64/);
  assert.match(text, /movenet at cpu0\.25-mem512 failed: failed in test/);
  assert.match(text, /Skipped \(GPU share not available on this backend\): yolox-nano at gpu-half, movenet at gpu-half/);
  assert.match(text, /11 configurations were not measured yet/);
  const three = resourceRows(planOf().cells, [0, 1, 2].map((trial) => workloadTrial({ cell: 'yolox-nano-cpu1-mem512', trial, rate: 10 + trial })), true, 2);
  assert.match(resourceObservations(three, { hostCores: 2, loadGenCpu: 1, backend: 'local', limitsEnforced: false }).join('\n'), /n = 3 trials per configuration[\s\S]*NOT enforced/);
  const r = three.find((x) => x.cell === 'yolox-nano-cpu1-mem512')!;
  assert.equal(r.imagesPerS.n, 3);
  assert.equal(r.startupS.n, 1, 'one deploy, so one start-up time');
  assert.ok(r.imagesPerS.ci95 && r.imagesPerS.ci95[0] < 11 && r.imagesPerS.ci95[1] > 11);
});
