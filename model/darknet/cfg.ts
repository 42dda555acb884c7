/**
 * Darknet .cfg text → sections of raw `key=value` options, each remembering
 * its line so later stages can point at the exact place that is wrong.
 * Syntax only; what the options mean is decided in layers.ts.
 */
import { DarknetError } from './errors.js';

export interface CfgOption {
  value: string;
  line: number;
}

export interface CfgSection {
  /** section name without brackets, lower-cased (`convolutional`, `net`, ...) */
  type: string;
  /** 1-based line of the `[type]` header */
  line: number;
  options: Map<string, CfgOption>;
}

/**
 * Split cfg text into sections. Comments start with `#` or `;`; blank lines
 * and surrounding spaces are ignored, as Darknet's own reader does.
 */
export function parseCfgSections(text: string, source = 'cfg'): CfgSection[] {
  const sections: CfgSection[] = [];
  // Editors on Windows may prepend a byte-order mark, which would hide the first [net].
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const content = raw.replace(/[#;].*$/, '').trim();
    if (content === '') continue;
    const header = /^\[([^\]]+)\]$/.exec(content);
    if (header) {
      sections.push({ type: header[1]!.trim().toLowerCase(), line, options: new Map() });
      continue;
    }
    const current = sections.at(-1);
    const eq = content.indexOf('=');
    if (!current || eq <= 0) {
      throw new DarknetError(
        'CFG_INVALID',
        `${source}:${line}: expected "[section]" or "key=value", found "${content}"`,
        line,
      );
    }
    const key = content.slice(0, eq).trim();
    if (current.options.has(key)) {
      throw new DarknetError('CFG_INVALID', `${source}:${line}: [${current.type}] option ${key} is set twice`, line);
    }
    current.options.set(key, { value: content.slice(eq + 1).trim(), line });
  }
  return sections;
}
