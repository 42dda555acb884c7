import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampled, unreclaimableResident } from '../../service/admission.js';
import { JsonScanner, scanJson } from '../../service/json-scan.js';

const limits = { maxDepth: 3, maxTokens: 5 };

test('depth and structural tokens are counted outside strings only', () => {
  assert.equal(scanJson('{"id":"x","image":"AAAA"}', limits), 'ok');
  assert.equal(scanJson('[[[0]]]', limits), 'ok');
  assert.equal(scanJson('[[[[0]]]]', limits), 'too-deep');
  assert.equal(scanJson('[1,2,3,4,5]', limits), 'ok', 'one bracket and four commas are five tokens');
  assert.equal(scanJson('[1,2,3,4,5,6]', limits), 'too-many-tokens');
  assert.equal(scanJson('"[[[[[[,,,,,,::::{{{{"', limits), 'ok');
  assert.equal(scanJson('["a\\"[[[[[[", 1]', limits), 'ok', 'an escaped quote does not end the string');
  assert.equal(scanJson('["a\\\\", [[[0]]]]', limits), 'too-deep', 'an escaped backslash does');
});

test('a string, an escape or a bracket run split across chunks is scanned as one text', () => {
  const text = Buffer.from('{"id":"a\\"b[[[[","x":[[0]]}');
  for (let cut = 1; cut < text.length; cut++) {
    const s = new JsonScanner({ maxDepth: 3, maxTokens: 100 });
    s.feed(text.subarray(0, cut));
    assert.equal(s.feed(text.subarray(cut)), 'ok', `cut at ${cut}`);
  }
  const deep = Buffer.from('[[[[0]]]]');
  for (let cut = 1; cut < deep.length; cut++) {
    const s = new JsonScanner(limits);
    s.feed(deep.subarray(0, cut));
    assert.equal(s.feed(deep.subarray(cut)), 'too-deep', `cut at ${cut}`);
  }
});

test('once refused, a scanner stays refused; strings and buffers scan alike', () => {
  const s = new JsonScanner(limits);
  assert.equal(s.feed('[[[['), 'too-deep');
  assert.equal(s.feed(']]]]'), 'too-deep');
  assert.equal(s.result, 'too-deep');
  for (const text of ['[1,[2,{"a":[3]}]]', '{"a":"]]]]","b":1}', '[' + '"\\\\",'.repeat(3) + '0]']) {
    assert.equal(scanJson(text, limits), scanJson(Buffer.from(text), limits), text);
  }
});

test('a 4-million-bracket body is refused within its first bytes', () => {
  const body = Buffer.alloc(4_000_000, 0x5b);
  const started = performance.now();
  assert.equal(scanJson(body), 'too-deep');
  // Linear scanning of 4 MB would take milliseconds; a refusal at byte 17 takes microseconds. Generous bound: no timing goal.
  assert.ok(performance.now() - started < 1000);
});

test('resident memory is read at most once per interval', () => {
  let reads = 0;
  const rss = sampled(() => ++reads, 60_000);
  assert.equal(rss(), 1);
  assert.equal(rss(), 1);
  assert.equal(reads, 1);
  const fresh = sampled(() => ++reads, 0);
  fresh();
  fresh();
  assert.equal(reads, 3);
});

test('the memory guard counts anonymous pages, not the mapped libraries', () => {
  const resident = unreclaimableResident();
  const rss = process.memoryUsage.rss();
  assert.ok(resident > 0 && resident <= rss, `${resident} of ${rss}`);
  const grown = Buffer.alloc(64 * 1024 * 1024, 1);
  assert.ok(unreclaimableResident() - resident > 60 * 1024 * 1024, 'a 64 MiB buffer shows in it');
  assert.equal(grown[grown.length - 1], 1);
});
