/**
 * Vega-Lite spec → standalone SVG string, rendered headless in Node (no
 * canvas, no browser). The SVG keeps its viewBox so CSS can scale it to the
 * text width without rasterising.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // drop fixed pixel sizes: the page's CSS sets the width, the viewBox keeps the aspect
    return svg.replace(/^<svg([^>]*?) width="[\d.]+" height="[\d.]+"/, '<svg$1');
  } finally {
    view.finalize();
  }
}
