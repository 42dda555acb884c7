/** The figures' common look (every section's charts): page width, the serif font, the palette, axes and legends. */
import type { TopLevelSpec } from 'vega-lite';
import type { Lang } from '../terms.js';

/** Roughly the text width of an A4 page with 1-inch margins, in CSS pixels. */
export const WIDTH = 560;
export const FONT = 'Liberation Serif';
export const PALETTE = ['#1f4e79', '#c0504d', '#4f8a3c', '#8064a2', '#d08a2c', '#3a9fb0', '#7f7f7f', '#b5651d'];

export function config(lang: Lang): TopLevelSpec['config'] {
  const font = lang === 'zh' ? `${FONT}, Noto Serif CJK SC` : FONT;
  return {
    font,
    view: { stroke: '#888' },
    axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', grid: true, gridColor: '#e4e4e4', labelFont: font, titleFont: font },
    legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', orient: 'bottom', labelFont: font, titleFont: font },
    header: { labelFontSize: 12, titleFontSize: 12, labelFont: font, titleFont: font },
    range: { category: PALETTE },
  };
}

