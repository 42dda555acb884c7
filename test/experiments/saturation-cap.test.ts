import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeService } from '../../experiments/deploy/fake-backend.js';
import { runSaturationJob } from '../../experiments/load/saturation.js';
import { makeImages, tempDir } from './helpers.js';

test('a saturation level ends at maxRequests answers: later answers are not counted and the rate is over the time to the cap', async () => {
  const tmp = await tempDir('cd-sat-');
  const service = await startFakeService({ serviceMs: 2, concurrency: 4, queue: 16 });
  try {
    const images = join(tmp.dir, 'images');
    await mkdir(images);
    await makeImages(images, 2);
    service.setReplicas(1);
    const result = await runSaturationJob({
      kind: 'saturation', task: 'detection', url: service.url, imagesDir: images, timeoutMs: 5000, seed: 1,
      concurrencies: [1, 3], durationS: 5, warmupS: 0, maxRequests: 12,
    });
    for (const l of result.levels) {
      assert.equal(l.requests, 12);
      assert.equal(l.successes, 12);
      assert.ok(l.durationS < 5, `measured up to the 12th answer, not the whole ${l.durationS} s hold`);
      assert.equal(l.throughput, 12 / l.durationS);
    }
  } finally {
    service.setReplicas(0);
    await service.close();
    await tmp.cleanup();
  }
});
