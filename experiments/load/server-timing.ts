/** The Server-Timing header (RFC: `name;dur=1.2, other;dur=3`) as name → ms; entries without a duration are left out. Pure. */
export function parseServerTiming(header: string | string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  for (const entry of text.split(',')) {
    const [name, ...params] = entry.split(';').map((p) => p.trim());
    if (!name) continue;
    for (const param of params) {
      const m = /^dur=(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/i.exec(param);
      if (m) out[name] = (out[name] ?? 0) + Number(m[1]);
    }
  }
  return out;
}
