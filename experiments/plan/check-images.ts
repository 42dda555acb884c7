/** Every image of the set must decode before a run starts; unreadable ones are named. */
import sharp from 'sharp';
import { basename } from 'node:path';
import { listImages } from '../load/images.js';

export interface ImageCheck {
  count: number;
  unreadable: Array<{ file: string; reason: string }>;
}

export async function checkImages(dir: string): Promise<ImageCheck> {
  const files = await listImages(dir);
  const unreadable: ImageCheck['unreadable'] = [];
  for (const file of files) {
    try {
      const meta = await sharp(file).metadata();
      if (!meta.width || !meta.height) throw new Error('no dimensions');
    } catch (err) {
      unreadable.push({ file: basename(file), reason: (err as Error).message.split('\n')[0] ?? 'unreadable' });
    }
  }
  return { count: files.length, unreadable };
}
