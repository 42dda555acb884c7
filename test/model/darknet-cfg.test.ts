import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCfgSections } from '../../model/darknet/cfg.js';
import { DarknetError } from '../../model/darknet/errors.js';
import { parseNetwork } from '../../model/darknet/network.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.join(here, 'fixtures', name), 'utf8');

/** A minimal valid network: one conv feeding one [yolo] with 1 anchor and 1 class. */
const head = (extra = '') => `[convolutional]\nsize=1\nfilters=6\nactivation=linear\n${extra}\n[yolo]\nmask=0\nanchors=4,4\nclasses=1\nnum=1\n`;
const cfg = (body: string, net = 'width=32\nheight=32') => `[net]\n${net}\n${body}`;

function throwsDarknet(fn: () => unknown, code: string, line: number | undefined, message: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DarknetError, `expected DarknetError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.line, line);
    assert.match(err.message, message);
    return true;
  });
}

test('sections keep their options and line numbers; comments and blanks are skipped', () => {
  const sections = parseCfgSections('\uFEFF# header\r\n[net]\nwidth = 416 # inline\n\n; other\n[Convolutional]\nfilters=16\n');
  assert.deepEqual(
    sections.map((s) => [s.type, s.line, [...s.options].map(([k, v]) => [k, v.value, v.line])]),
    [
      ['net', 2, [['width', '416', 3]]],
      ['convolutional', 6, [['filters', '16', 7]]],
    ],
  );
});

test('a line that is neither section nor option names its line', () => {
  throwsDarknet(() => parseCfgSections('[net]\nwidth=1\nnonsense\n', 'x.cfg'), 'CFG_INVALID', 3, /^x\.cfg:3: .*nonsense/);
  throwsDarknet(() => parseCfgSections('width=1\n[net]\n'), 'CFG_INVALID', 1, /expected "\[section\]"/);
  throwsDarknet(() => parseCfgSections('[net]\nwidth=1\nwidth=2\n'), 'CFG_INVALID', 3, /width is set twice/);
});

test('Darknet defaults: conv activation is logistic, maxpool pads size-1', () => {
  const net = parseNetwork(cfg(`[convolutional]\nfilters=4\n[maxpool]\nsize=3\nstride=1\n${head()}`));
  const conv = net.layers[0]!;
  const pool = net.layers[1]!;
  assert.equal(conv.kind === 'convolutional' && conv.activation, 'logistic');
  assert.equal(pool.kind === 'maxpool' && pool.padding, 2);
  assert.deepEqual(pool.output, { c: 4, h: 32, w: 32 });
});

test('shapes through every layer type of the all-layers fixture', () => {
  const net = parseNetwork(fixture('all-layers.cfg'), 'all-layers.cfg');
  const shapes = net.layers.map((l) => `${l.index}:${l.kind}:${l.output.c}x${l.output.h}x${l.output.w}`);
  assert.deepEqual(shapes, [
    '0:convolutional:8x48x64',
    '1:maxpool:8x24x32',
    '2:convolutional:16x12x16',
    '3:maxpool:16x12x16', // size 2 stride 1 keeps the size
    '4:maxpool:16x12x16',
    '5:convolutional:16x12x16',
    '6:shortcut:16x12x16',
    '7:route:8x12x16', // groups=2 keeps half the channels
    '8:convolutional:8x12x16',
    '9:convolutional:8x12x16',
    '10:route:16x12x16',
    '11:convolutional:24x12x16',
    '12:yolo:24x12x16',
    '13:route:8x12x16',
    '14:convolutional:8x12x16',
    '15:upsample:8x24x32',
    '16:route:16x24x32',
    '17:convolutional:24x24x32',
    '18:yolo:24x24x32',
  ]);
  assert.deepEqual(net.layers[16]!.inputs, [15, 1]);
  assert.equal(net.classes, 3);
  assert.equal(net.boxes, 12 * 16 * 3 + 24 * 32 * 3);
  const yolo = net.layers[12]!;
  assert.ok(yolo.kind === 'yolo');
  assert.deepEqual(yolo.anchors, [[16, 20], [24, 30], [40, 36]]);
  assert.equal(yolo.scaleXY, 1.05);
});

test('unsupported layer types and options name the layer and the line', () => {
  throwsDarknet(() => parseNetwork(cfg(`[region]\nclasses=1\n${head()}`), 'v2.cfg'), 'CFG_UNSUPPORTED', 4, /^v2\.cfg:4: layer 0 \[region\] is not a supported layer type/);
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nfilters=6\nxnor=1\n${head()}`)), 'CFG_UNSUPPORTED', 6, /layer 0 \[convolutional\] option xnor is not supported/);
  throwsDarknet(() => parseNetwork(cfg(`[maxpool]\nsize=2\nmaxpool_depth=1\n${head()}`)), 'CFG_UNSUPPORTED', 6, /option maxpool_depth/);
  throwsDarknet(() => parseNetwork(cfg(head('dilation=2'))), 'CFG_UNSUPPORTED', 8, /dilation=2: only dilation=1/);
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nfilters=6\nactivation=hardtan\n${head()}`)), 'CFG_UNSUPPORTED', 6, /activation hardtan is not supported/);
  throwsDarknet(() => parseNetwork(cfg(`${head()}[yolo]\nnew_coords=1\nanchors=1,1\n`)), 'CFG_UNSUPPORTED', 15, /new_coords=1/);
});

test('bad values name the option, its value and its line', () => {
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nfilters=abc\n${head()}`), 'a.cfg'), 'CFG_INVALID', 5, /^a\.cfg:5: layer 0 \[convolutional\] filters=abc: must be an integer/);
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nsize=0\n${head()}`)), 'CFG_INVALID', 5, /size=0: must be at least 1/);
  throwsDarknet(() => parseNetwork(cfg(head(), 'width=32')), 'CFG_INVALID', 1, /\[net\] height is required$/);
  throwsDarknet(() => parseNetwork(cfg(`[route]\ngroups=1\n${head()}`)), 'CFG_INVALID', 4, /layer 0 \[route\] layers is required$/);
  throwsDarknet(() => parseNetwork(`[convolutional]\nfilters=1\n`), 'CFG_INVALID', 1, /must come after a \[net\] section/);
});

test('impossible wiring is caught before any weights are read', () => {
  throwsDarknet(() => parseNetwork(cfg(`[route]\nlayers=3\n${head()}`)), 'CFG_INVALID', 4, /refers to layer 3, which is not an earlier layer/);
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nfilters=6\n[maxpool]\nsize=2\nstride=2\n[route]\nlayers=-1,-2\n${head()}`)), 'CFG_INVALID', 9, /joins 16x16 with 32x32/);
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nfilters=3\n[convolutional]\nfilters=4\n[shortcut]\nfrom=-2\n${head()}`)), 'CFG_INVALID', 8, /adds 3x32x32 to 4x32x32/);
  throwsDarknet(() => parseNetwork(cfg(`[convolutional]\nsize=1\nfilters=7\n[yolo]\nmask=0\nanchors=4,4\nclasses=1\n`)), 'CFG_INVALID', 7, /needs 6 input channels \(1 anchors × \(5 \+ 1 classes\)\), the layer before gives 7/);
  throwsDarknet(() => parseNetwork(cfg(`${head()}[convolutional]\nfilters=6\n`)), 'CFG_INVALID', 14, /follows \[yolo\] layer 1 directly/);
  throwsDarknet(() => parseNetwork(cfg(`${head()}[route]\nlayers=-1\n`)), 'CFG_INVALID', 14, /refers to \[yolo\] layer 1/);
  throwsDarknet(() => parseNetwork(cfg(`${head()}[yolo]\nmask=0,5\nanchors=1,1,2,2\n`)), 'CFG_INVALID', 14, /mask 5 has no anchor/);
  throwsDarknet(() => parseNetwork(cfg('[convolutional]\nfilters=6\n')), 'CFG_UNSUPPORTED', undefined, /no \[yolo\] layer/);
});
