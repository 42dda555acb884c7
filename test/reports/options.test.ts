import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { renderReport } from '../../reports/index.js';

const fixture = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'test/fixtures/run-fixture');
const tmp = mkdtempSync(join(tmpdir(), 'report-options-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('renderReport rejects unknown options by name before touching the run', async () => {
  await assert.rejects(renderReport(fixture, { lang: 'fr' as 'en' }), /report option --lang: /);
  await assert.rejects(renderReport(fixture, { format: 'A3' as 'A4' }), /report option --format: /);
});

test('an explicit --notes file that does not exist is an error, not a placeholder', async () => {
  await assert.rejects(renderReport(fixture, { notes: '/nonexistent/notes.md' }), /notes file not found: \/nonexistent\/notes\.md/);
});

test('when the browser cannot print, the previous report.pdf is gone rather than left beside the new HTML', async () => {
  const dir = join(tmp, 'run');
  cpSync(fixture, dir, { recursive: true });
  writeFileSync(join(dir, 'report.pdf'), 'an old report');
  const profiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith('report-chromium-')).sort();
  const before = profiles();
  await assert.rejects(renderReport(dir, { executablePath: join(tmp, 'no-such-chrome') }));
  assert.deepEqual(profiles(), before, 'the temporary browser profile is removed');
  assert.equal(existsSync(join(dir, 'report.pdf')), false);
  assert.equal(existsSync(join(dir, 'report.pdf.partial')), false);
  assert.ok(existsSync(join(dir, 'report.html')));
});
