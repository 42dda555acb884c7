import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReportData, type RunInput } from '../../reports/sections/replicas/data.js';
import { parseNotes } from '../../reports/notes.js';
import { observe } from '../../reports/sections/replicas/observations.js';
import { buildView, type ViewInput } from '../../reports/view.js';
import { loadFixtureRun, type FixtureRun } from '../fixtures/make-run-fixture.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

function view(notes: string | null, configFields: ViewInput['configFields'] = {}, lang: 'en' | 'zh' = 'en', edit: (run: FixtureRun) => void = () => undefined) {
  const run = loadFixtureRun();
  edit(run);
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: run.plan, environment: run.environment, deployment: null, replicaLogs: [] };
  const data = buildReportData(input);
  return buildView({
    data, input, observations: observe(data, lang), figures: [], notes: notes === null ? null : parseNotes(notes, 'notes.md'),
    notesFile: 'runs/x/notes.md', configFields, lang, format: 'A4',
  });
}

test("the author's sections add exactly their own words; references and tables add none", () => {
  const base = view(null).words;
  const withNotes = view(`## Analysis\n\n${words(300)}\n\n| a | b |\n|---|---|\n| ${words(50)} | x |\n\n## Challenges\n\n${words(120)}\n\n## References\n\n${words(80)}\n`);
  assert.equal(withNotes.words - base, 420);
});

test('over 1500 words is a loud warning and a visible notice', () => {
  const base = view(null).words;
  const over = view(`## Analysis\n\n${words(1501 - base)}\n\n## Challenges\n\nx\n`);
  assert.equal(over.words, 1502);
  assert.ok(over.warnings.some((w) => /^WORD LIMIT EXCEEDED: .*1502 words, 2 over/.test(w)));
  assert.equal(over.context.wordCount.over, true);
  const under = view(`## Analysis\n\n${words(1500 - base - 1)}\n\n## Challenges\n\nx\n`);
  assert.equal(under.words, 1500);
  assert.ok(!under.warnings.some((w) => w.startsWith('WORD LIMIT')));
});

test('missing notes give placeholders that name the file and section, and a header warning', () => {
  const v = view(null);
  assert.equal(v.context.analysis.html, null);
  assert.match(v.context.analysis.placeholder!, /"## Analysis" in runs\/x\/notes\.md/);
  assert.match(v.context.challenges.placeholder!, /three distributed-systems challenges/);
  assert.ok(v.context.header.people.every((p) => p.placeholder && p.value === '[not given]'));
  assert.ok(v.warnings.some((w) => /Full name, Student ID, Supervisor, Title missing/.test(w)));
});

test('header fields come from plan.json, the notes front matter overrides them, empty keys do not erase them', () => {
  const v = view('---\nname: Ada\nsupervisor:\n---\n## Analysis\nx\n## Challenges\ny\n', { name: 'Plan Name', supervisor: 'Dr Plan', studentId: '42', title: 'T' });
  assert.deepEqual(v.context.header.people.map((p) => p.value), ['Ada', '42', 'Dr Plan']);
  assert.deepEqual(v.warnings, []);
});

test('Table 1 cells print mean ± sd and n, with footnote marks for capacity-bound and invalid trials', () => {
  const run = loadFixtureRun();
  const v = view(null, {}, 'en', (r) => {
    r.results.cells.find((c) => c.replicas === 2 && c.location === 'remote')!.invalidTrials = 1;
  });
  const row8 = v.context.table1.rows.find((r) => r.pods === 8)!;
  const cell = run.results.cells.find((c) => c.replicas === 8 && c.location === 'cluster')!;
  assert.equal(row8.cells[0]!.maxUsers, `${cell.maxUsers.mean.toFixed(1)} ± ${(cell.maxUsers.sd ?? 0).toFixed(1)}`);
  assert.equal(row8.cells[0]!.n, `n = ${cell.maxUsers.n}`);
  assert.equal(row8.cells[0]!.marks, cell.capacityBound ? 'a' : '');
  assert.equal(v.context.table1.rows.find((r) => r.pods === 2)!.cells[1]!.marks, 'c');
  assert.deepEqual(v.context.table1.footnotes.map((f) => f.mark), [...(run.results.cells.some((c) => c.capacityBound) ? ['a'] : []), 'c']);
});

test('the task in the results picks the product wording: pose runs read as CloudPose', () => {
  const run = loadFixtureRun();
  run.results.task = 'pose';
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: null, environment: null, deployment: null, replicaLogs: [] };
  const data = buildReportData(input);
  const v = buildView({ data, input, observations: [], figures: [], notes: null, notesFile: 'n.md', configFields: {}, lang: 'en', format: 'Letter' });
  assert.match(v.context.subtitle, /CloudPose pose-estimation web service/);
  assert.match(v.context.setup, /^The CloudPose pose-estimation web service \(\/api\/pose_estimation\)/);
  assert.equal(v.context.pageSize, 'letter');
});

test('the set-up paragraph states only what was measured: pod counts, locations and their network paths', () => {
  const run = loadFixtureRun();
  run.results.cells = run.results.cells.filter((c) => c.replicas !== 8);
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: null, environment: null, deployment: null, replicaLogs: [] };
  const data = buildReportData(input);
  const v = buildView({ data, input, observations: [], figures: [], notes: null, notesFile: 'n.md', configFields: {}, lang: 'en', format: 'A4' });
  const remote = run.results.cells.find((c) => c.location === 'remote')!.network;
  assert.match(v.context.setup, /ran as 1, 2, 4 replicas/);
  assert.ok(v.context.setup.includes(`Remote client, ${remote.description} (measured RTT ${remote.rttMs!.toFixed(1)} ms, ${remote.bandwidthMbit!.toFixed(1)} Mbit/s)`), v.context.setup);
  assert.equal(v.context.setup.match(/measured RTT/g)?.length, 2, 'each path states its measurement once');
});

test('a run measured from one location only still fills Table 1, with — for the other location', () => {
  const run = loadFixtureRun();
  run.results.cells = run.results.cells.filter((c) => c.location === 'cluster');
  run.trials = run.trials.filter((t) => t.location === 'cluster');
  const input: RunInput = { runDir: '/tmp/x', results: run.results, trials: run.trials, summaryRows: null, plan: null, environment: null, deployment: null, replicaLogs: [] };
  const data = buildReportData(input);
  const obs = observe(data, 'en');
  assert.ok(!obs.some((o) => o.kind === 'gap'));
  const v = buildView({ data, input, observations: obs, figures: [], notes: null, notesFile: 'n.md', configFields: {}, lang: 'en', format: 'A4' });
  for (const row of v.context.table1.rows) {
    assert.notEqual(row.cells[0]!.maxUsers, '—');
    assert.equal(row.cells[1]!.maxUsers, '—');
    assert.equal(row.cells[1]!.marks, '*');
  }
  assert.match(v.context.setup, /Clients generated load from the Master node;/);
});
