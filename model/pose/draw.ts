/**
 * The annotated image: boxes, limbs and joints drawn as one SVG laid over
 * the EXIF-rotated photo by sharp, so no canvas library is needed and the
 * drawing scales with the image.
 */
import sharp from 'sharp';
import { SKELETON_EDGES, type PoseResult } from './types.js';

export interface DrawOptions {
  /**
   * keypoints (and limbs touching them) below this confidence are not drawn
   * @default 0.25
   */
  minKeypointScore?: number;
  /** @default 85 */
  jpegQuality?: number;
}

const LEFT = '#ff8c00';
const RIGHT = '#1e90ff';
const CENTRE = '#ff00ff';
const BOX = '#00e000';

/** COCO indices: odd = left, even (except the nose) = right. */
function sideColour(k: number): string {
  if (k === 0) return CENTRE;
  return k % 2 === 1 ? LEFT : RIGHT;
}

function edgeColour(a: number, b: number): string {
  const ca = sideColour(a);
  return ca === sideColour(b) ? ca : CENTRE;
}

/** SVG overlay for a width × height image. Pure, exported for tests. */
export function poseSvg(result: PoseResult, width: number, height: number, minKeypointScore = 0.25): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 250));
  const radius = stroke * 1.5;
  const parts: string[] = [];
  for (const person of result.people) {
    const { x, y, width: w, height: h } = person.box;
    parts.push(
      `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="none" stroke="${BOX}" stroke-width="${stroke}"/>`,
    );
    const kp = person.keypoints;
    for (const [a, b] of SKELETON_EDGES) {
      const p = kp[a];
      const q = kp[b];
      if (!p || !q || p[2] < minKeypointScore || q[2] < minKeypointScore) continue;
      parts.push(
        `<line x1="${fmt(p[0])}" y1="${fmt(p[1])}" x2="${fmt(q[0])}" y2="${fmt(q[1])}" stroke="${edgeColour(a, b)}" stroke-width="${stroke}" stroke-linecap="round"/>`,
      );
    }
    kp.forEach(([kx, ky, score], k) => {
      if (score < minKeypointScore) return;
      parts.push(`<circle cx="${fmt(kx)}" cy="${fmt(ky)}" r="${fmt(radius)}" fill="${sideColour(k)}" stroke="#000" stroke-width="1"/>`);
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : '0';
}

/** JPEG of `image` (EXIF-rotated) with every person's box and skeleton drawn. */
export async function drawPose(image: Buffer, result: PoseResult, opts: DrawOptions = {}): Promise<Buffer> {
  const meta = await sharp(image).metadata();
  const { width, height } = meta.autoOrient;
  const svg = poseSvg(result, width, height, opts.minKeypointScore);
  return sharp(image)
    .rotate()
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: opts.jpegQuality ?? 85 })
    .toBuffer();
}
