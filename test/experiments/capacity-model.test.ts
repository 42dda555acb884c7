/** The capacity model's stations and criterion on known inputs (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capacityModel, type ModelInput } from '../../experiments/analyse/capacity-model.js';
import { admissionBound } from '../../experiments/analyse/cell-model.js';

// one 0.5-CPU replica spending 25 ms of CPU per request, 50 ms unloaded, users thinking 2 s
const one: ModelInput = {
  replicas: 1, replicaCpu: 0.5, sharedCores: 1.9, cpuPerRequestS: 0.025, unloadedLatencyS: 0.05, thinkS: 2, thinkRangeS: 2,
  admissionBound: admissionBound(0.5, 16), timeoutS: 10, requestBytes: 170_000, bandwidthMbit: null,
};

test('one replica: X_max is its quota over its CPU per request, and max users lies past the knee', () => {
  const m = capacityModel(one, 200);
  assert.equal(one.admissionBound, 17);
  assert.ok(Math.abs(m.xMax - 0.5 / 0.025) < 1e-9, `X_max ${m.xMax}`);
  assert.equal(m.bottleneck, 'replicas');
  const knee = (one.thinkS + one.unloadedLatencyS) / (0.025 / 0.5);
  assert.ok(m.maxUsers! > knee && m.maxUsers! < knee + one.admissionBound, `${m.maxUsers} between the knee ${knee.toFixed(1)} and knee + bound`);
  assert.equal(m.decidedBy, 'admission');
  for (const p of m.curve) assert.ok(Math.abs(p.x * (p.r + one.thinkS) - p.users) < 1e-9, 'N = X·(R + Z) at every N');
});

test('the criterion agrees with the exact stochastic model: 48-50 simulated users for one replica, 91-102 for two', () => {
  // bench/lib/queue-simulator.ts with 52.6 ms service (±30 %), queue 16, think uniform 1-3 s, 30 s holds: 48, 48, 49, 50, 50 and 98, 102, 100, 101, 100
  const s = 0.0526;
  const input = { ...one, sharedCores: null, cpuPerRequestS: s * 0.5, unloadedLatencyS: s };
  const m1 = capacityModel(input, 300).maxUsers!;
  const m2 = capacityModel({ ...input, replicas: 2 }, 300).maxUsers!;
  assert.ok(m1 >= 0.85 * 48 && m1 <= 1.15 * 50, `one replica: ${m1}`);
  assert.ok(m2 >= 0.85 * 91 && m2 <= 1.15 * 102, `two replicas: ${m2}`);
});

test('eight replicas on a 2-core host cannot serve past the host: X_max is the shared cores over the CPU per request', () => {
  const m = capacityModel({ ...one, replicas: 8 }, 600);
  assert.ok(Math.abs(m.xMax - 1.9 / 0.025) < 1e-6, `X_max ${m.xMax}, not 8 × 20`);
  assert.equal(m.bottleneck, 'host-cpu');
  const own = capacityModel({ ...one, replicas: 8, sharedCores: null }, 600);
  assert.ok(Math.abs(own.xMax - 8 * 20) < 1e-6, 'with cores of their own, 8 × 20');
  assert.ok(own.maxUsers! > m.maxUsers!, `${own.maxUsers} > ${m.maxUsers}`);
});

test('a 100 Mbit/s link carrying 170 KB requests caps X near 73/s, and the timeout decides max users', () => {
  const m = capacityModel({ ...one, replicas: 8, sharedCores: null, bandwidthMbit: 100 }, 2000);
  assert.equal(m.bottleneck, 'link');
  assert.ok(Math.abs(m.xMax - 100e6 / 8 / 170_000) < 1e-6);
  assert.equal(m.decidedBy, 'timeout');
  // R(N) close to the timeout: N ≈ X_link · (timeout + Z)
  assert.ok(Math.abs(m.maxUsers! - m.xMax * (one.timeoutS + one.thinkS)) < 0.1 * m.maxUsers!, `${m.maxUsers}`);
});

test('a threads-per-quota admission bound: one thread below one core, the quota\'s cores above', () => {
  assert.equal(admissionBound(0.25, 16), 17);
  assert.equal(admissionBound(2, 16), 18);
});
