/**
 * Measures a client location's path to the balancer: RTT as the median of
 * HTTP pings on one kept-alive connection (answered by the balancer itself,
 * so no replica time is included), and upload bandwidth from the time a
 * large POST takes beyond one RTT.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { median } from 'simple-statistics';

export interface PathMeasurement {
  rttMs: number;
  /** null when not measured (an unlimited local path) */
  bandwidthMbit: number | null;
}

function request(agent: http.Agent, url: URL, method: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method, agent, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${url.pathname}: HTTP ${res.statusCode}`))));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${url.pathname}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function measurePath(baseUrl: string, opts: { pings: number; uploadBytes: number }): Promise<PathMeasurement> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const ping = new URL('/_lb/ping', baseUrl);
    await request(agent, ping, 'GET'); // the first one also pays the connection set-up
    const samples: number[] = [];
    for (let i = 0; i < opts.pings; i++) samples.push(await request(agent, ping, 'GET'));
    const rttMs = median(samples);
    if (opts.uploadBytes <= 0) return { rttMs, bandwidthMbit: null };
    const took = await request(agent, new URL('/_lb/sink', baseUrl), 'POST', Buffer.alloc(opts.uploadBytes));
    const transferMs = Math.max(took - rttMs, 0.001);
    return { rttMs, bandwidthMbit: (opts.uploadBytes * 8) / (transferMs * 1000) };
  } finally {
    agent.destroy();
  }
}
