/** The request bodies' images: every jpg/png of a folder, kept as base64 once so a request costs no encoding. */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

export async function listImages(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`image folder ${dir}: ${err.code === 'ENOENT' ? 'does not exist' : err.message}`);
  });
  const images = names.filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
  if (images.length === 0) throw new Error(`image folder ${dir}: no .jpg/.jpeg/.png files`);
  return images.map((n) => join(dir, n));
}

export async function loadImagesBase64(dir: string): Promise<Buffer[]> {
  const files = await listImages(dir);
  return Promise.all(files.map(async (f) => Buffer.from((await readFile(f)).toString('base64'))));
}

// A --serve worker runs every job of a location on the same folder: read and encode it once.
const imageCache = new Map<string, Promise<Buffer[]>>();

export function cachedImages(dir: string): Promise<Buffer[]> {
  const key = resolve(dir);
  let images = imageCache.get(key);
  if (!images) {
    images = loadImagesBase64(key);
    imageCache.set(key, images);
    images.catch(() => imageCache.delete(key));
  }
  return images;
}
