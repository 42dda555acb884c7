/**
 * `tsx model/cli.ts <command>`: the model tools behind the npm scripts
 * model:convert, model:random, model:fetch and model:install. Errors print
 * one line and exit 1.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { convertDarknetFiles } from './convert.js';
import { randomWeights } from './darknet/random-weights.js';
import { fetchDarknet, installDefaultModel, OFFICIAL_URLS } from './install.js';
import { REPO_ROOT as repoRoot } from '../lib/repo-root.js';


function integer(flag: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} must be an integer ≥ ${min}`);
    return n;
  };
}

function sha256(value: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('expected 64 hex digits');
  return value.toLowerCase();
}

interface FetchFlags {
  fromDir?: string;
  cfgUrl: string;
  weightsUrl: string;
  namesUrl: string;
  cfgSha256?: string;
  weightsSha256?: string;
  namesSha256?: string;
  outDir: string;
  timeoutMs: number;
}

const program = new Command('model')
  .description('CloudDetect model tools')
  .showHelpAfterError(false)
  .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') });

program
  .command('convert')
  .description('convert a Darknet cfg + weights + names to a self-describing ONNX model')
  .requiredOption('--cfg <file>', 'Darknet .cfg')
  .requiredOption('--weights <file>', 'Darknet .weights')
  .requiredOption('--names <file>', 'class names, one per line')
  .requiredOption('--out <file>', 'ONNX file to write')
  .action(async (o: { cfg: string; weights: string; names: string; out: string }) => {
    const r = await convertDarknetFiles(o);
    console.log(`convert: wrote ${r.out} (${r.inputWidth}x${r.inputHeight} input, ${r.classes} classes, ${r.boxes} boxes, ${r.bytes} bytes)`);
  });

program
  .command('random')
  .description('write seeded random weights for a cfg (for tests and benchmarks; never a real model)')
  .requiredOption('--cfg <file>', 'Darknet .cfg')
  .requiredOption('--seed <n>', 'random seed', integer('--seed', 0))
  .requiredOption('--out <file>', '.weights file to write')
  .action(async (o: { cfg: string; seed: number; out: string }) => {
    const bytes = randomWeights(await readFile(o.cfg, 'utf8'), o.seed);
    const temp = `${o.out}.${process.pid}.part`;
    await writeFile(temp, bytes);
    await rename(temp, o.out);
    console.log(`random: wrote ${o.out} (${bytes.length} bytes, seed ${o.seed})`);
  });

program
  .command('fetch')
  .description("get the assignment's yolov3-tiny cfg, weights and coco.names (download or --from-dir), verify, convert")
  .option('--from-dir <dir>', 'copy the three files from this directory instead of downloading')
  .option('--cfg-url <url>', 'cfg URL', OFFICIAL_URLS.cfg)
  .option('--weights-url <url>', 'weights URL', OFFICIAL_URLS.weights)
  .option('--names-url <url>', 'names URL', OFFICIAL_URLS.names)
  .option('--cfg-sha256 <hex>', 'expected sha256 of the cfg', sha256)
  .option('--weights-sha256 <hex>', 'expected sha256 of the weights', sha256)
  .option('--names-sha256 <hex>', 'expected sha256 of the names', sha256)
  .option('--out-dir <dir>', 'where the files and yolov3-tiny.onnx go', join(repoRoot, 'model'))
  .option('--timeout-ms <ms>', 'longest wait for any data from a server', integer('--timeout-ms', 1), 30_000)
  .action(async (o: FetchFlags) => {
    if (o.fromDir && !existsSync(o.fromDir)) throw new Error(`--from-dir ${o.fromDir} does not exist`);
    const hashes = { cfg: o.cfgSha256, weights: o.weightsSha256, names: o.namesSha256 };
    const expected = Object.fromEntries(Object.entries(hashes).flatMap(([file, hex]) => (hex ? [[file, { sha256: hex }]] : [])));
    const r = await fetchDarknet({
      outDir: o.outDir,
      ...(o.fromDir ? { fromDir: o.fromDir } : {}),
      urls: { cfg: o.cfgUrl, weights: o.weightsUrl, names: o.namesUrl },
      expected,
      timeoutMs: o.timeoutMs,
    });
    console.log(`fetch: wrote ${r.onnx} from ${o.fromDir ?? 'the download'} (labels in its metadata and ${r.files.names})`);
  });

program
  .command('install')
  .description('set-up step: choose the default model and write model/default.onnx')
  .option('--model-dir <dir>', 'model directory', join(repoRoot, 'model'))
  .option('--shared-dir <dir>', 'shared models to take files from', resolve(repoRoot, '../shared/model'))
  .option('--offline', 'never try to download (also CLOUDDETECT_OFFLINE=1)', false)
  .option('--timeout-ms <ms>', 'longest wait for any data when downloading', integer('--timeout-ms', 1), 5_000)
  .action(async (o: { modelDir: string; sharedDir: string; offline: boolean; timeoutMs: number }) => {
    const r = await installDefaultModel({
      modelDir: o.modelDir,
      sharedDir: existsSync(o.sharedDir) ? o.sharedDir : null,
      urls: OFFICIAL_URLS,
      offline: o.offline || process.env.CLOUDDETECT_OFFLINE === '1',
      timeoutMs: o.timeoutMs,
    });
    console.log(r.message);
    if (r.extras.length > 0) console.log(`model: also installed ${r.extras.join(', ')}`);
  });

program.parseAsync().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`model ${program.args[0] ?? ''}: ${message.split('\n')[0]}`.replace(/ +:/, ':'));
  process.exitCode = 1;
});
