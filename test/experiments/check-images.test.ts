import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, test } from 'node:test';
import { checkImages } from '../../experiments/plan/check-images.js';
import { makeImages, tempDir, writeCorruptImage } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => tmp.cleanup());

test('every image is decoded; the unreadable ones are named', async () => {
  await makeImages(tmp.dir, 3);
  assert.deepEqual(await checkImages(tmp.dir), { count: 3, unreadable: [] });
  await writeCorruptImage(tmp.dir, 'zz-broken.jpg');
  const check = await checkImages(tmp.dir);
  assert.equal(check.count, 4);
  assert.deepEqual(check.unreadable.map((u) => u.file), ['zz-broken.jpg']);
});

test('a missing or empty folder is an error that names it', async () => {
  await assert.rejects(checkImages(`${tmp.dir}/nope`), /nope: does not exist/);
  await assert.rejects(checkImages(tmp.dir), /no \.jpg\/\.jpeg\/\.png files/);
});

const shared = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/inputfolder');
test('the shared 128 COCO images all decode', { skip: existsSync(shared) ? false : `${shared} is absent` }, async () => {
  const check = await checkImages(shared);
  assert.equal(check.count, 128);
  assert.deepEqual(check.unreadable, []);
});
