import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importedPackages, packageOf, prunedPackageJson } from '../../scripts/lib/image-deps.js';

test('packageOf: bare names, scopes and subpaths; builtins and relative paths are not packages', () => {
  assert.equal(packageOf('express'), 'express');
  assert.equal(packageOf('zod/v4'), 'zod');
  assert.equal(packageOf('@julusian/jpeg-turbo'), '@julusian/jpeg-turbo');
  assert.equal(packageOf('@scope/pkg/deep/file.js'), '@scope/pkg');
  for (const s of ['node:fs', 'fs', 'path', './x.js', '../y/z.js', '/abs.js', '#internal']) assert.equal(packageOf(s), null, s);
});

test('importedPackages: static, dynamic and require imports of compiled JS', () => {
  const js = [
    'import express from "express";',
    'import { z } from "zod/v4";',
    'import "./side-effect.js";',
    'const sharp = await import("sharp");',
    'const require = createRequire(import.meta.url); const ort = require("onnxruntime-node");',
    'export * from "@scope/pkg/sub";',
    'import { readFile } from "node:fs/promises";',
    '// a comment that says import("not-a-package") is not an import',
  ].join('\n');
  assert.deepEqual(importedPackages(js).sort(), ['@scope/pkg', 'express', 'onnxruntime-node', 'sharp', 'zod']);
});

const pkg = JSON.stringify({
  name: 'clouddetect',
  version: '1.0.0',
  type: 'module',
  engines: { node: '>=20' },
  scripts: { test: 'x' },
  dependencies: { express: '^5', zod: '^4', vega: '^5' },
  devDependencies: { tsx: '^4' },
});

test('prunedPackageJson keeps only what the code imports, and type: module', () => {
  assert.deepEqual(prunedPackageJson(pkg, ['import e from "express";', 'import "zod";']), {
    name: 'clouddetect',
    version: '1.0.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    dependencies: { express: '^5', zod: '^4' },
  });
});

test('prunedPackageJson: an import of a dev dependency or an unlisted package fails, naming it', () => {
  assert.throws(() => prunedPackageJson(pkg, ['import "tsx";', 'import "left-pad";']), /imported but not in "dependencies": left-pad, tsx/);
});
