import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notesSkeleton, parseNotes } from '../../reports/notes.js';

const words = (n: number, w = 'word') => Array.from({ length: n }, () => w).join(' ');

test('front matter gives the header fields; aliases and numbers are accepted', () => {
  const notes = parseNotes('---\nname: Ada Lovelace\nstudent_id: 12345678\nsupervisor: Dr B\ntitle: Scaling study\n---\n## Analysis\nText.\n## Challenges\nMore.\n', 'notes.md');
  assert.deepEqual(notes.fields, { name: 'Ada Lovelace', studentId: '12345678', supervisor: 'Dr B', title: 'Scaling study' });
  assert.deepEqual(notes.warnings, []);
});

test('sections are found by heading, rendered to HTML and counted', () => {
  const notes = parseNotes(`## Analysis\n\n${words(120)}\n\n### Detail\n\n${words(30)}\n\n## Challenges\n\n1. ${words(10)}\n2. ${words(5)}\n\n## References\n\n${words(40)}\n`, 'n.md');
  assert.deepEqual(notes.sections.map((s) => [s.key, s.words]), [['analysis', 120 + 1 + 30], ['challenges', 15], ['references', 40]]);
  assert.match(notes.sections[0]!.html, /<h3[^>]*>Detail<\/h3>/);
  assert.match(notes.sections[1]!.html, /<ol>/);
});

test('missing sections and stray text are warnings, not errors', () => {
  const notes = parseNotes('Some intro.\n\n## Analysis\nOnly analysis.\n', 'x/notes.md');
  assert.equal(notes.warnings.length, 2);
  assert.match(notes.warnings[0]!, /before the first "## " heading/);
  assert.match(notes.warnings[1]!, /no text under "## Challenges"/);
});

test('unknown front-matter keys are named; malformed YAML is an error naming the file', () => {
  assert.match(parseNotes('---\nname: A\ncolour: blue\n---\n', 'n.md').warnings[0]!, /colour/);
  assert.throws(() => parseNotes('---\nname: [unclosed\n---\n', 'my/notes.md'), /my\/notes\.md: front matter is not valid YAML/);
  assert.throws(() => parseNotes('---\nname: ""\n---\n', 'n.md'), /n\.md: front matter field name/);
});

test('the skeleton the CLI prints parses, but an unfilled skeleton still counts as missing', () => {
  const notes = parseNotes(notesSkeleton(), 'skeleton.md');
  assert.deepEqual(notes.fields, {});
  assert.deepEqual(notes.sections.map((s) => [s.key, s.words]), [['analysis', 0], ['challenges', 0], ['references', 0]]);
  assert.equal(notes.warnings.filter((w) => w.includes('no text under')).length, 2);
});
