// A bounded load generator: `concurrency` loops take the next of `count` requests until none is left, over
// keep-alive connections on the loopback interface. Reports what every mode is compared by.
import http from 'node:http';

export interface Outcome {
  status: number;
  /** Bytes of the body as received (gzip for HTTP, MVT for SQL). */
  bytes: number;
}

export interface LoadResult {
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
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: count, seconds, tilesPerSecond: count / seconds, p50: at(0.5), p99: at(0.99), meanBytes: bytes / count, statuses };
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
