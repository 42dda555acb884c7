/**
 * For the Dockerfile: prints package.json keeping only the dependencies that
 * the compiled JavaScript under the given folders imports, so that `npm prune`
 * leaves each image just the packages its own code loads (the service needs
 * neither vega nor puppeteer; the load worker needs neither onnxruntime nor
 * sharp). Imports are found by TypeScript's own scanner (`preProcessFile`:
 * static imports, `import("x")` and `require("x")` with literal names).
 *
 *   tsx scripts/lib/image-deps.ts package.json dist > dist/package.json
 *
 * Exits 1 when the code imports a package that is not a production dependency:
 * that image would fail at its first `import`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';

const PackageJson = z.looseObject({
  name: z.string(),
  version: z.string(),
  type: z.literal('module'),
  dependencies: z.record(z.string(), z.string()),
});

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`; null for relative paths and builtins. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#') || isBuiltin(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function importedPackages(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((f) => packageOf(f.fileName)).filter((p): p is string => p !== null);
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.[cm]?js$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

export function prunedPackageJson(pkgText: string, sources: string[]): Record<string, unknown> {
  const pkg = PackageJson.parse(JSON.parse(pkgText));
  const used = new Set(sources.flatMap(importedPackages));
  const missing = [...used].filter((p) => !(p in pkg.dependencies));
  if (missing.length > 0) throw new Error(`imported but not in "dependencies": ${missing.sort().join(', ')}`);
  const dependencies = Object.fromEntries(Object.entries(pkg.dependencies).filter(([name]) => used.has(name)));
  return { name: pkg.name, version: pkg.version, private: true, type: pkg.type, engines: pkg.engines, dependencies };
}

function main(argv: string[]): void {
  const [pkgPath, ...dirs] = argv;
  if (!pkgPath || dirs.length === 0) {
    process.stderr.write('usage: tsx scripts/lib/image-deps.ts <package.json> <compiled-dir>...\n');
    process.exit(2);
  }
  try {
    const sources = dirs.flatMap(jsFiles).map((f) => readFileSync(f, 'utf8'));
    if (sources.length === 0) throw new Error(`no .js files under ${dirs.join(', ')}`);
    process.stdout.write(`${JSON.stringify(prunedPackageJson(readFileSync(pkgPath, 'utf8'), sources), null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`image-deps: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
