/**
 * k8s/deployment.yaml and k8s/service.yaml are the templates rendered with
 * the assignment's defaults, for users who `kubectl apply -f k8s/` by hand.
 * The templates stay the one source: this writes the files, and a test
 * fails when they drift.
 *
 *   npx tsx experiments/deploy/kubernetes/plain-yaml.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderManifests, type ManifestOptions } from './render.js';

export const K8S_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../k8s');

/** The assignment's pod: 0.5 CPU, 512 MiB, one replica to start, the image's default model, NodePort 30080. */
export const PLAIN_DEFAULTS: ManifestOptions = {
  runId: 'manual',
  cpu: 0.5,
  memoryMi: 512,
  modelPath: 'default.onnx',
  replicas: 1,
  nodePort: 30080,
};

const HEADER = '# Generated from k8s/templates by experiments/deploy/kubernetes/plain-yaml.ts; edit the templates, not this file.\n';

/** File name → contents, one object per file. */
export function plainYamlFiles(): Record<string, string> {
  const { objects, yaml } = renderManifests(PLAIN_DEFAULTS);
  const docs = yaml.split('\n---\n');
  return Object.fromEntries(objects.map((o, i) => [`${o.kind.toLowerCase()}.yaml`, `${HEADER}${docs[i]!.trimEnd()}\n`]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(plainYamlFiles())) {
    writeFileSync(path.join(K8S_DIR, file), text);
    console.log(`wrote k8s/${file}`);
  }
}
