// A bounded load generator: `concurrency` loops take the next of `count` requests until none is left, over
// keep-alive connections on the loopback interface. Reports what every mode is compared by.
import http from 'node:http';

export interface Outcome {
  status: number;
  /** Bytes of the body as received (gzip for HTTP, MVT for SQL). */
  bytes: number;
}

export interface LoadResult {
  /** Every request's latency (ms), sorted. */
  latencies: number[];
  bytes: number;
  requests: number;
  seconds: number;
  tilesPerSecond: number;
  p50: number;
  p99: number;
  meanBytes: number;
  statuses: Record<string, number>;
}

export async function runLoad(count: number, concurrency: number, request: (index: number, loop: number) => Promise<Outcome>): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async (_, loop) => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now();
      const outcome = await request(i, loop);
      latencies.push(performance.now() - t0);
      bytes += outcome.bytes;
      statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
    }
  }));
  return summarize(latencies, (performance.now() - started) / 1000, bytes, statuses);
}

function summarize(latencies: number[], seconds: number, bytes: number, statuses: Record<string, number>): LoadResult {
  latencies.sort((a, b) => a - b);
  const count = latencies.length;
  const at = (q: number) => latencies[Math.min(count - 1, Math.floor(q * count))] ?? 0;
  return { latencies, bytes, requests: count, seconds, tilesPerSecond: count / seconds, p50: at(0.5), p99: at(0.99), meanBytes: bytes / count, statuses };
}

function merge(results: LoadResult[]): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return summarize(results.flatMap((r) => r.latencies), results.reduce((s, r) => s + r.seconds, 0),
    results.reduce((s, r) => s + r.bytes, 0), statuses);
}

/**
 * Several modes over the same requests, taking turns in `rounds` slices (A, B, …, A, B, …), so that the machine's
 * other load, which drifts, weighs on all alike. Each slice starts where the last one of the same mode ended.
 */
export async function compare(
  count: number,
  rounds: number,
  concurrency: number,
  ...modes: Array<(index: number, loop: number) => Promise<Outcome>>
): Promise<LoadResult[]> {
  const slice = Math.max(1, Math.ceil(count / rounds));
  const results: LoadResult[][] = modes.map(() => []);
  for (let start = 0; start < count; start += slice) {
    const n = Math.min(slice, count - start);
    for (const [m, mode] of modes.entries()) results[m]!.push(await runLoad(n, concurrency, (i, loop) => mode(start + i, loop)));
  }
  return results.map(merge);
}

/** GETs over one keep-alive agent per target, asking for gzip like a browser does. */
export function httpClient(concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  return {
    get(url: string): Promise<Outcome> {
      return new Promise((resolve, reject) => {
        const req = http.get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
    },
    getBody(url: string): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
      return new Promise((resolve, reject) => {
        const req = http.get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
