/**
 * Detections drawn onto the (EXIF-rotated) original image, returned as
 * JPEG. The boxes are one SVG overlay composited by sharp, so no canvas
 * library is needed and the drawing runs in libvips off the event loop.
 */
import sharp from 'sharp';
import type { Detection } from '../model/families/types.js';

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990'];

export function overlaySvg(width: number, height: number, detections: readonly Detection[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 40));
  const shapes = detections.map((d) => {
    const colour = PALETTE[d.classId % PALETTE.length]!;
    const { left, top, width: w, height: h } = d.box;
    const text = `${escapeXml(d.label)} ${(d.score * 100).toFixed(0)}%`;
    const labelWidth = Math.round(text.length * font * 0.6) + 6;
    // The label sits above the box unless that would leave the image.
    const labelTop = top - font - 4 >= 0 ? top - font - 4 : top;
    return [
      `<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
      `<rect x="${left}" y="${labelTop}" width="${labelWidth}" height="${font + 4}" fill="${colour}"/>`,
      `<text x="${left + 3}" y="${labelTop + font}" font-family="Liberation Sans, DejaVu Sans, sans-serif" font-size="${font}" fill="#fff">${text}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function drawDetections(image: Buffer, detections: readonly Detection[], maxPixels: number): Promise<Buffer> {
  // Tolerate what libjpeg-turbo tolerated when the same image was decoded for the model (a corrupt Huffman code is a warning).
  const base = sharp(image, { limitInputPixels: maxPixels, autoOrient: true, failOn: 'error' });
  const { autoOrient } = await base.metadata();
  const svg = Buffer.from(overlaySvg(autoOrient.width, autoOrient.height, detections));
  return base.composite([{ input: svg, top: 0, left: 0 }]).jpeg({ quality: 85 }).toBuffer();
}
