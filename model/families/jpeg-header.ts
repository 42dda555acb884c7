/**
 * What the fast path needs from a JPEG before decoding it: size, number of
 * components, whether an Adobe marker says CMYK/YCCK, and the EXIF
 * orientation. Read from the markers in JavaScript in microseconds, where
 * sharp's metadata() costs a third of a millisecond per photo
 * (`npm run bench -- preprocess`). Anything this reader does not fully
 * understand gives undefined, and the caller asks sharp, which also words
 * the error for a broken file.
 */

export interface JpegHeader {
  width: number;
  height: number;
  /** 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK/YCCK) */
  components: number;
  /** bits per sample: libjpeg-turbo's default build decodes 8 only */
  precision: number;
  /** EXIF orientation, 1 when there is none */
  orientation: number;
  /** an Adobe APP14 marker is present (its transform decides how 4 components are stored) */
  adobe: boolean;
}

/** Start-of-frame markers: every SOFn except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

export function readJpegHeader(data: Uint8Array): JpegHeader | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let orientation = 1;
  let adobe = false;
  let exifSeen = false;
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    // fill bytes before a marker, and markers without a length
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = (data[at + 2]! << 8) | data[at + 3]!;
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > data.length) return undefined;
    if (marker === 0xe1 && !exifSeen && isExif(data, body, end)) {
      exifSeen = true;
      const found = exifOrientation(data, body + 6, end);
      if (found === undefined) return undefined;
      orientation = found;
    } else if (marker === 0xee && end - body >= 5 && ascii(data, body, 5) === 'Adobe') {
      adobe = true;
    } else if (isStartOfFrame(marker)) {
      if (end - body < 6) return undefined;
      const precision = data[body]!;
      const height = (data[body + 1]! << 8) | data[body + 2]!;
      const width = (data[body + 3]! << 8) | data[body + 4]!;
      const components = data[body + 5]!;
      // height 0 means "given by a DNL marker later": rare, and sharp handles it
      if (width === 0 || height === 0) return undefined;
      return { width, height, components, precision, orientation, adobe };
    }
    at = end;
  }
  return undefined;
}

function ascii(data: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...data.subarray(at, at + length));
}

function isExif(data: Uint8Array, at: number, end: number): boolean {
  return end - at >= 6 && ascii(data, at, 4) === 'Exif' && data[at + 4] === 0 && data[at + 5] === 0;
}

/** Tag 0x0112 of IFD0 in the TIFF structure at [tiff, end); undefined when the structure is broken. */
function exifOrientation(data: Uint8Array, tiff: number, end: number): number | undefined {
  if (end - tiff < 8) return undefined;
  const little = data[tiff] === 0x49 && data[tiff + 1] === 0x49;
  const big = data[tiff] === 0x4d && data[tiff + 1] === 0x4d;
  if (!little && !big) return undefined;
  const u16 = (at: number) => (little ? data[at]! | (data[at + 1]! << 8) : (data[at]! << 8) | data[at + 1]!);
  const u32 = (at: number) => (little ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  if (u16(tiff + 2) !== 42) return undefined;
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > end) return undefined;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) !== 0x0112) continue;
    // type SHORT, one value, stored in the first two bytes of the value field
    if (u16(entry + 2) !== 3 || u32(entry + 4) !== 1) return undefined;
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return 1;
}
