import http from 'node:http';
import autocannon from 'autocannon';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
}

export interface Target {
  readonly port: number;
  /** Paths are taken in turn, so a run touches many resources rather than one cached row. */
  readonly paths: readonly string[];
  readonly headers?: Record<string, string>;
}

/** Throughput under load: autocannon with `connections` keep-alive connections for `seconds`. */
export async function throughput(target: Target, seconds: number, connections: number): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections,
    duration: seconds,
    headers: target.headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: target.paths[next++ % target.paths.length]! }) }],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

/**
 * Throughput of one-shot form posts (token requests: each code, refresh token or assertion works
 * once): every body is sent exactly once, over `connections` connections.
 */
export async function formThroughput(port: number, path: string, bodies: readonly string[], connections: number): Promise<LoadResult> {
  let next = 0;
  let first = 0;
  let last = 0;
  let finish!: (result: autocannon.Result) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${port}`,
    connections,
    amount: bodies.length,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    requests: [
      {
        setupRequest: (request) => {
          first ||= performance.now();
          return { ...request, path, method: 'POST', body: bodies[next++]! };
        },
      },
    ],
  };
  const instance = autocannon(options, (error, result) => (error ? fail(error) : finish(result)));
  // autocannon's own clock ticks in whole seconds, too coarse for a few-second run: time the span
  // from the first request to the last response ourselves.
  instance.on('response', () => {
    last = performance.now();
  });
  const result = await done;
  return {
    requestsPerSecond: result.requests.total / ((last - first) / 1000),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

/**
 * Latency of one request at a time on one keep-alive connection, timed with microsecond resolution
 * (autocannon's histogram counts whole milliseconds, too coarse for a 5 ms target).
 */
export async function latency(target: Target, requests: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const path = target.paths[i % target.paths.length]!;
    const started = process.hrtime.bigint();
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: target.port, path, headers: target.headers, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}
