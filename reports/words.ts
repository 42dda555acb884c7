/**
 * Word counting for the 1500-word limit. Pure. Latin-script words are runs
 * of letters/digits (with inner apostrophes, hyphens, dots); each CJK
 * character counts as one word, the usual convention for Chinese limits.
 * Markdown tables and code blocks are not counted, as the assignment
 * excludes tables and the appendix from the limit.
 */
import type { Token, Tokens } from 'marked';

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const WORD = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;

export function countWords(text: string): number {
  const cjk = text.match(CJK)?.length ?? 0;
  const latin = text.replace(CJK, ' ').match(WORD)?.length ?? 0;
  return cjk + latin;
}

const SKIPPED = new Set(['table', 'code', 'html', 'space', 'hr', 'def']);

/** Words in parsed Markdown (marked tokens), skipping tables and code blocks. */
export function countTokenWords(tokens: readonly Token[]): number {
  let total = 0;
  for (const token of tokens) {
    if (SKIPPED.has(token.type)) continue;
    if (token.type === 'list') {
      total += (token as Tokens.List).items.reduce((sum, item) => sum + countTokenWords(item.tokens), 0);
    } else if ('tokens' in token && Array.isArray(token.tokens) && token.tokens.length > 0) {
      total += countTokenWords(token.tokens);
    } else if ('text' in token && typeof token.text === 'string') {
      total += countWords(token.text);
    }
  }
  return total;
}
