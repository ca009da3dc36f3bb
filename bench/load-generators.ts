/**
 * The two ways the benchmark loads a server: autocannon (closed loop, as fast as possible or with its
 * `overallRate` limit) and a paced open-loop generator that sends requests evenly spaced in time.
 *
 * Latency percentiles are computed here from every successful response, not read from autocannon's
 * histogram: autocannon reports no p95, and in rate-limited mode it "corrects" each latency with
 * `recordValueWithExpectedInterval(latency, ceil(1 / ratePerConnection))`, which records extra samples at
 * 1 ms steps below every response and drags the percentiles down.
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export type LatencyFigures = { p50: number; p95: number; p99: number; max: number };

export type LoadFigures = {
  /** Successful (2xx) responses per second over the measured duration. */
  requestsPerSecond: number;
  latencyMs: LatencyFigures;
  requests: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
};

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export const latencyFigures = (samples: number[]): LatencyFigures => {
  if (samples.length === 0) return { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1)!) };
};

export type AutocannonOptions = {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** autocannon's `overallRate`: requests per second across all connections (0: as fast as possible). */
  overallRate?: number;
};

export const runAutocannon = async (options: AutocannonOptions): Promise<LoadFigures> => {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        headers: options.headers,
        connections: options.connections,
        duration: options.durationSeconds,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else non2xx++;
    });
    instance.on('reqError', () => errors++);
  });
  return {
    requestsPerSecond: round(latencies.length / result.duration, 1),
    latencyMs: latencyFigures(latencies),
    requests: latencies.length + non2xx,
    non2xx,
    errors: errors + result.timeouts,
    durationSeconds: round(result.duration),
  };
};

export type PacedOptions = {
  url: string;
  headers?: Record<string, string>;
  ratePerSecond: number;
  durationSeconds: number;
  /** Keep-alive connections the requests are spread over (more are never opened). */
  connections: number;
  method?: string;
  /** The body of request `index` (POST webhooks: each request a different update). */
  body?: (index: number) => string;
};

/**
 * Open loop: request i is due at start + i / rate, whatever happened to the earlier ones. Latency is measured
 * from the moment a request was due, so a stalled server cannot hide its backlog (no coordinated omission).
 */
export const runPaced = async (options: PacedOptions): Promise<LoadFigures> => {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  const intervalMs = 1000 / options.ratePerSecond;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let finished = 0;
  const send = (dueAt: number, index: number) =>
    new Promise<void>((resolve) => {
      const body = options.body?.(index);
      const req = request(
        {
          agent,
          method: options.method ?? 'GET',
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          headers: body
            ? {
                ...options.headers,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              }
            : options.headers,
        },
        (response) => {
          response.on('data', () => {});
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) latencies.push(performance.now() - dueAt);
            else non2xx++;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    }).finally(() => {
      finished++;
    });

  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && started + next * intervalMs <= now) {
      inFlight.push(send(started + next * intervalMs, next));
      next++;
    }
    const wait = started + next * intervalMs - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.floor(wait))));
  }
  await Promise.all(inFlight);
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requestsPerSecond: round(latencies.length / elapsedSeconds, 1),
    latencyMs: latencyFigures(latencies),
    requests: finished,
    non2xx,
    errors,
    durationSeconds: round(elapsedSeconds),
  };
};
