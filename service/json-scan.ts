/**
 * A streaming pre-scan of JSON structure: nesting depth and structural
 * token count, fed chunk by chunk as the body arrives, so a hostile shape
 * ('[' × 4 million, or a million-element array) is refused after a few
 * bytes instead of being handed to JSON.parse, whose result would cost
 * tens of bytes per token. It does not validate JSON (JSON.parse still
 * does that, on a body already known to be small in structure); it only
 * tracks whether it is inside a string, so brackets in strings do not count.
 *
 * Strings are skipped with indexOf (memchr), so a valid request, which is
 * almost all one long base64 string, costs a few native scans.
 */

export interface JsonLimits {
  /** deepest nesting of arrays and objects */
  maxDepth: number;
  /** opening brackets, commas and colons: bounds the number of values JSON.parse would build */
  maxTokens: number;
}

/** A valid request is one object of two strings; these leave room for clients that add a few fields. */
export const JSON_LIMITS: JsonLimits = { maxDepth: 16, maxTokens: 10_000 };

export type ScanVerdict = 'ok' | 'too-deep' | 'too-many-tokens';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a chunk offers the scanner: Buffers (the body) and strings (the inside of a double-encoded body). */
interface Text {
  readonly length: number;
  code(i: number): number;
  find(code: number, from: number): number;
}

function bytesText(b: Buffer): Text {
  return { length: b.length, code: (i) => b[i]!, find: (c, from) => b.indexOf(c, from) };
}

function stringText(s: string): Text {
  return { length: s.length, code: (i) => s.charCodeAt(i), find: (c, from) => s.indexOf(String.fromCharCode(c), from) };
}

export class JsonScanner {
  private depth = 0;
  private tokens = 0;
  private inString = false;
  private escaped = false;
  private verdict: ScanVerdict = 'ok';

  constructor(private readonly limits: JsonLimits = JSON_LIMITS) {}

  get result(): ScanVerdict {
    return this.verdict;
  }

  /** Scans one more chunk; once the verdict is not 'ok' it stays so and further chunks are ignored. */
  feed(chunk: Buffer | string): ScanVerdict {
    if (this.verdict === 'ok') this.scan(typeof chunk === 'string' ? stringText(chunk) : bytesText(chunk));
    return this.verdict;
  }

  private scan(t: Text): void {
    const n = t.length;
    // Positions of the next quote and backslash, looked up again only once passed.
    let quote = -2;
    let backslash = -2;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i += 1;
          continue;
        }
        if (quote !== -1 && quote < i) quote = t.find(QUOTE, i);
        if (backslash !== -1 && backslash < i) backslash = t.find(BACKSLASH, i);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          this.escaped = true;
          i = backslash + 1;
        } else if (quote === -1) {
          return;
        } else {
          this.inString = false;
          i = quote + 1;
        }
        continue;
      }
      const c = t.code(i);
      i += 1;
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === 0x5b || c === 0x7b) {
        this.depth += 1;
        if (this.depth > this.limits.maxDepth) {
          this.verdict = 'too-deep';
          return;
        }
        if (!this.count()) return;
      } else if (c === 0x5d || c === 0x7d) {
        this.depth -= 1;
      } else if (c === 0x2c || c === 0x3a) {
        if (!this.count()) return;
      }
    }
  }

  private count(): boolean {
    this.tokens += 1;
    if (this.tokens <= this.limits.maxTokens) return true;
    this.verdict = 'too-many-tokens';
    return false;
  }
}

/** One-shot scan of a whole text (the JSON inside a double-encoded body). */
export function scanJson(text: Buffer | string, limits: JsonLimits = JSON_LIMITS): ScanVerdict {
  return new JsonScanner(limits).feed(text);
}
