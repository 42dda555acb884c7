/**
 * Exact MVA against the textbook: Jain, The Art of Computer Systems
 * Performance Analysis, Example 34.2 / Table 34.1 (a timesharing system:
 * CPU S = 0.125 s × 16 visits, disk A 0.3 s × 10, disk B 0.2 s × 5, think
 * time Z = 4 s), and the asymptotic bounds every answer must respect.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mva, throughputBound, type Station } from '../../experiments/analyse/mva.js';

const timesharing: Station[] = [
  { name: 'cpu', kind: 'queue', demandS: 0.125 * 16 },
  { name: 'disk-a', kind: 'queue', demandS: 0.3 * 10 },
  { name: 'disk-b', kind: 'queue', demandS: 0.2 * 5 },
];
const Z = 4;
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('Jain Example 34.2: system response time, throughput and queue lengths, N = 1..5 and 20', () => {
  const table: Record<number, { r: number; x: number; q: [number, number, number] }> = {
    1: { r: 6.0, x: 0.1, q: [0.2, 0.3, 0.1] },
    2: { r: 7.4, x: 0.175, q: [0.421, 0.684, 0.193] },
    3: { r: 9.088, x: 0.229, q: [0.651, 1.158, 0.273] },
    4: { r: 11.051, x: 0.266, q: [0.878, 1.721, 0.338] },
    5: { r: 13.256, x: 0.29, q: [1.088, 2.365, 0.388] },
    20: { r: 56.016, x: 0.333, q: [1.991, 16.177, 0.5] },
  };
  const points = mva(timesharing, Z, 20);
  for (const [n, want] of Object.entries(table)) {
    const p = points[Number(n) - 1]!;
    close(p.r, want.r, 0.001, `R(${n})`);
    close(p.x, want.x, 0.0005, `X(${n})`);
    want.q.forEach((q, k) => close(p.q[k]!, q, 0.001, `Q${k}(${n})`));
    // Little's law on the whole cycle holds exactly in MVA
    close(p.x * (p.r + Z), Number(n), 1e-9, `N = X(R+Z) at ${n}`);
  }
});

test('X(N) never exceeds min(N/(D+Z), 1/Dmax), and a delay station adds no queue', () => {
  const withDelay: Station[] = [...timesharing, { name: 'net', kind: 'delay', demandS: 0.5 }];
  const points = mva(withDelay, Z, 60);
  for (const p of points) assert.ok(p.x <= throughputBound(withDelay, Z, p.users) + 1e-12, `N=${p.users}`);
  assert.ok(points.every((p) => Math.abs(p.residence[3]! - 0.5) < 1e-12));
  close(points.at(-1)!.x, 1 / 3, 0.001, 'saturates at the disk A bottleneck, 1/3 per second');
});
