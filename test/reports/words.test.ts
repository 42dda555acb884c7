import assert from 'node:assert/strict';
import { test } from 'node:test';
import { marked } from 'marked';
import { countTokenWords, countWords } from '../../reports/words.js';

test('counts Latin words, keeping hyphenated, dotted and apostrophe words whole', () => {
  assert.equal(countWords('The pods scale well.'), 4);
  assert.equal(countWords("round-robin isn't 1.5 times faster"), 5);
  assert.equal(countWords('  \n\t '), 0);
});

test('counts each CJK character as one word, alongside Latin words', () => {
  assert.equal(countWords('分布式系统'), 5);
  assert.equal(countWords('每个 Pod 限制为 0.5 CPU'), 8);
});

test('markdown: tables and code blocks are not counted, lists and emphasis are', () => {
  const md = [
    'Two *emphasised* words here.',
    '',
    '- first item',
    '- second **bold** item',
    '',
    '| a | b |', '|---|---|', '| many words in a table | more |',
    '',
    '```', 'code is not prose either', '```',
  ].join('\n');
  assert.equal(countTokenWords(marked.lexer(md)), 4 + 2 + 3);
});
