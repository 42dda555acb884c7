/**
 * Test images the tests make themselves: a grey canvas with one red square
 * at a known place, optionally stored rotated with an EXIF orientation so
 * that it displays with the square somewhere else.
 */
import sharp from 'sharp';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface SquareImage {
  width: number;
  height: number;
  square: Box;
  format?: 'png' | 'jpeg' | 'webp';
  /** EXIF orientation stored with the pixels (JPEG only); the square is placed in the stored frame */
  orientation?: 1 | 3 | 6 | 8;
}

export async function squareImage(spec: SquareImage): Promise<Buffer> {
  const { width, height, square } = spec;
  const red = await sharp({ create: { width: square.width, height: square.height, channels: 3, background: { r: 230, g: 10, b: 10 } } }).png().toBuffer();
  const base = sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: red, left: square.left, top: square.top }]);
  const format = spec.format ?? 'png';
  if (spec.orientation !== undefined) {
    return sharp(await base.png().toBuffer()).jpeg({ quality: 95 }).withMetadata({ orientation: spec.orientation }).toBuffer();
  }
  if (format === 'jpeg') return base.jpeg({ quality: 95 }).toBuffer();
  if (format === 'webp') return base.webp({ lossless: true }).toBuffer();
  return base.png().toBuffer();
}

/** Where a box in the stored frame appears once the EXIF orientation is applied. */
export function displayedBox(box: Box, storedWidth: number, storedHeight: number, orientation: 1 | 3 | 6 | 8): Box {
  const { left, top, width, height } = box;
  switch (orientation) {
    case 1:
      return box;
    case 3:
      return { left: storedWidth - left - width, top: storedHeight - top - height, width, height };
    case 6:
      return { left: storedHeight - top - height, top: left, width: height, height: width };
    case 8:
      return { left: top, top: storedWidth - left - width, width: height, height: width };
  }
}

export function toBase64(bytes: Buffer): string {
  return bytes.toString('base64');
}
