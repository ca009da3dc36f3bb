/**
 * `npm run bench`: the auth hot path of the all-in-one server against a bare Fastify baseline, measured in one
 * run on this machine, plus cold and warm start times. Writes bench/results/auth.json and prints a summary.
 *
 * Scenarios, in order:
 *   1. baseline: bare Fastify hello world (bench/hello-world-server.ts), max throughput.
 *   2. GET /api/auth/me with a valid access token on `companero start` with PostgreSQL + Redis (a fresh
 *      database and app role), max throughput and a fixed rate of 500 req/s.
 *   3. cold start (empty DATA_DIR, PGlite) and warm start (same DATA_DIR) until GET /ready answers 200;
 *      the warm-started server then serves scenario 2 again on PGlite.
 *
 * Needs DATABASE_URL and REDIS_URL (defaults: postgres://postgres@127.0.0.1:5432/postgres,
 * redis://127.0.0.1:6379). Child processes are killed and the temporary database and directories removed on
 * every exit path.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type Backend, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import pg from 'pg';
import { type LoadFigures, runAutocannon, runPaced } from './load-generators';
import { printSummary } from './print-summary';
import {
  freePort,
  killAllServersNow,
  repoRoot,
  type ServerProcess,
  spawnServer,
  stopAllServers,
  waitUntilOk,
} from './server-processes';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';

export const settings = {
  connections: 50,
  durationSeconds: 10,
  warmupSeconds: 3,
  fixedRate: 500,
  fixedRateSeconds: 10,
  startTimeoutMs: 90_000,
};

export const goals = {
  postgresRatioOfBaseline: 0.4,
  postgresP95AtFixedRateMs: 20,
  coldStartMs: 10_000,
};

const postgresBackend: Backend = { name: 'postgres', usesPostgres: true, usesRedis: true };
const embeddedBackend: Backend = { name: 'embedded', usesPostgres: false, usesRedis: false };

// ---- cleanup on every exit path ------------------------------------------------------------------------

const environments: TestEnvironment[] = [];
let cleanupPromise: Promise<void> | undefined;
const cleanUp = () => {
  cleanupPromise ??= (async () => {
    await stopAllServers();
    for (const environment of environments.splice(0).reverse()) {
      await environment.cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
    }
  })();
  return cleanupPromise;
};
process.on('exit', killAllServersNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping servers and removing temporary data…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const newEnvironment = async (backend: Backend): Promise<TestEnvironment> => {
  const environment = await createTestEnvironment(backend, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    RATE_LIMIT_PER_MINUTE: '1000000000',
  });
  environments.push(environment);
  return environment;
};

// ---- servers -------------------------------------------------------------------------------------------

const startCompanero = async (
  name: string,
  environment: TestEnvironment,
): Promise<{ server: ServerProcess; readyMs: number }> => {
  const port = await freePort();
  const since = performance.now();
  const server = spawnServer({
    name,
    script: 'apps/server/src/main.ts',
    args: ['start'],
    port,
    env: environment.env,
  });
  const readyMs = await waitUntilOk(server, '/ready', { since, timeoutMs: settings.startTimeoutMs });
  return { server, readyMs: Math.round(readyMs) };
};

const registerAccount = async (baseUrl: string): Promise<string> => {
  const id = randomBytes(4).toString('hex');
  const response = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${id}@example.com`,
      password: randomBytes(18).toString('base64url'),
      name: 'Bench Coach',
      creatorName: `Bench Studio ${id}`,
    }),
  });
  const body = (await response.json()) as { accessToken?: string };
  if (response.status !== 201 || !body.accessToken) {
    throw new Error(`register answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  const me = await fetch(`${baseUrl}/api/auth/me`, {
    headers: { authorization: `Bearer ${body.accessToken}` },
  });
  if (me.status !== 200) throw new Error(`GET /api/auth/me answered ${me.status}: ${await me.text()}`);
  return body.accessToken;
};

/**
 * Refuses figures that measured error answers: a benchmark of 401s is not a benchmark of /me. Connection errors
 * and timeouts are kept as results (an overloaded server produces them).
 */
const checked = (label: string, figures: LoadFigures): LoadFigures => {
  if (figures.requests === 0 || figures.non2xx > figures.requests * 0.001) {
    throw new Error(`${label}: ${figures.non2xx} non-2xx answers of ${figures.requests} requests`);
  }
  return figures;
};

const maxThroughput = async (label: string, url: string, headers?: Record<string, string>) => {
  await runAutocannon({
    url,
    headers,
    connections: settings.connections,
    durationSeconds: settings.warmupSeconds,
  });
  return checked(
    label,
    await runAutocannon({
      url,
      headers,
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
    }),
  );
};

export type MeFigures = {
  max: LoadFigures;
  /** autocannon `overallRate` (bursts: see the notes in the results file). */
  fixedRate: LoadFigures;
  /** The same rate sent evenly spaced, open loop. */
  fixedRatePaced: LoadFigures;
};

const measureMe = async (label: string, server: ServerProcess): Promise<MeFigures> => {
  const token = await registerAccount(server.url);
  const url = `${server.url}/api/auth/me`;
  const headers = { authorization: `Bearer ${token}` };
  console.log(
    `  ${label}: max throughput (${settings.durationSeconds} s, ${settings.connections} connections)…`,
  );
  const max = await maxThroughput(`${label} max`, url, headers);
  console.log(
    `  ${label}: ${settings.fixedRate} req/s, autocannon overallRate (${settings.fixedRateSeconds} s)…`,
  );
  const fixedRate = checked(
    `${label} fixed rate`,
    await runAutocannon({
      url,
      headers,
      connections: settings.connections,
      durationSeconds: settings.fixedRateSeconds,
      overallRate: settings.fixedRate,
    }),
  );
  console.log(`  ${label}: ${settings.fixedRate} req/s, paced open loop (${settings.fixedRateSeconds} s)…`);
  const fixedRatePaced = checked(
    `${label} paced`,
    await runPaced({
      url,
      headers,
      connections: settings.connections,
      ratePerSecond: settings.fixedRate,
      durationSeconds: settings.fixedRateSeconds,
    }),
  );
  return { max, fixedRate, fixedRatePaced };
};

// ---- scenarios -----------------------------------------------------------------------------------------

const runBaseline = async (): Promise<LoadFigures> => {
  console.log('baseline: bare Fastify hello world…');
  const since = performance.now();
  const server = spawnServer({
    name: 'baseline',
    script: 'bench/hello-world-server.ts',
    port: await freePort(),
  });
  try {
    await waitUntilOk(server, '/', { since, timeoutMs: 30_000 });
    return await maxThroughput('baseline', `${server.url}/`);
  } finally {
    await server.stop();
  }
};

const runPostgres = async (): Promise<MeFigures & { readyMs: number }> => {
  console.log('GET /api/auth/me on PostgreSQL + Redis…');
  const environment = await newEnvironment(postgresBackend);
  const { server, readyMs } = await startCompanero('companero (PostgreSQL)', environment);
  try {
    return { readyMs, ...(await measureMe('PostgreSQL', server)) };
  } finally {
    await server.stop();
  }
};

const runPgliteWithStartTimes = async (): Promise<{
  coldStartMs: number;
  warmStartMs: number;
  me: MeFigures;
}> => {
  console.log('cold start (empty DATA_DIR, PGlite)…');
  const environment = await newEnvironment(embeddedBackend);
  const cold = await startCompanero('companero (PGlite, cold)', environment);
  await cold.server.stop();
  console.log('warm start (same DATA_DIR)…');
  const warm = await startCompanero('companero (PGlite, warm)', environment);
  try {
    console.log('GET /api/auth/me on PGlite (embedded)…');
    return {
      coldStartMs: cold.readyMs,
      warmStartMs: warm.readyMs,
      me: await measureMe('PGlite', warm.server),
    };
  } finally {
    await warm.server.stop();
  }
};

// ---- machine and results -------------------------------------------------------------------------------

const postgresVersion = async (): Promise<string> => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string }>(
      "select current_setting('server_version') as version",
    );
    return rows[0]?.version ?? 'unknown';
  } finally {
    await client.end();
  }
};

const packageVersion = (name: string): string => {
  try {
    return (
      JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
};

const ratio = (value: number, of: number) => Number((value / of).toFixed(3));

const main = async () => {
  const startedAt = performance.now();
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    postgres: await postgresVersion(),
    /** Other work on the machine skews every figure; compare runs only when these are low. */
    loadAverage1mAtStart: Number(os.loadavg()[0]!.toFixed(2)),
    loadAverage1mAtEnd: 0,
  };
  if (machine.loadAverage1mAtStart > machine.cpus / 2) {
    console.warn(
      `warning: the machine is busy (load average ${machine.loadAverage1mAtStart} on ${machine.cpus} CPUs); every figure will be skewed.`,
    );
  }
  const baseline = await runBaseline();
  const postgres = await runPostgres();
  const pglite = await runPgliteWithStartTimes();

  machine.loadAverage1mAtEnd = Number(os.loadavg()[0]!.toFixed(2));
  const postgresRatio = ratio(postgres.max.requestsPerSecond, baseline.requestsPerSecond);
  const results = {
    benchmark: 'auth',
    date: new Date().toISOString(),
    node: process.version,
    machine,
    versions: {
      fastify: packageVersion('fastify'),
      autocannon: packageVersion('autocannon'),
      pglite: packageVersion('@electric-sql/pglite'),
    },
    settings,
    scenarios: {
      baselineHelloWorld: baseline,
      mePostgres: postgres,
      mePglite: pglite.me,
      start: { coldStartMs: pglite.coldStartMs, warmStartMs: pglite.warmStartMs, backend: 'PGlite' },
    },
    ratios: {
      mePostgresRpsOverBaselineRps: postgresRatio,
      mePgliteRpsOverBaselineRps: ratio(pglite.me.max.requestsPerSecond, baseline.requestsPerSecond),
    },
    goals: [
      {
        goal: `GET /api/auth/me on PostgreSQL >= ${goals.postgresRatioOfBaseline} x baseline requests/s`,
        target: goals.postgresRatioOfBaseline,
        actual: postgresRatio,
        met: postgresRatio >= goals.postgresRatioOfBaseline,
      },
      {
        goal: `p95 < ${goals.postgresP95AtFixedRateMs} ms at ${settings.fixedRate} req/s on PostgreSQL (autocannon overallRate)`,
        target: goals.postgresP95AtFixedRateMs,
        actual: postgres.fixedRate.latencyMs.p95,
        met: postgres.fixedRate.latencyMs.p95 < goals.postgresP95AtFixedRateMs,
      },
      {
        goal: `p95 < ${goals.postgresP95AtFixedRateMs} ms at ${settings.fixedRate} req/s on PostgreSQL (paced, evenly spaced)`,
        target: goals.postgresP95AtFixedRateMs,
        actual: postgres.fixedRatePaced.latencyMs.p95,
        met: postgres.fixedRatePaced.latencyMs.p95 < goals.postgresP95AtFixedRateMs,
      },
      {
        goal: `cold start (empty DATA_DIR, PGlite) < ${goals.coldStartMs / 1000} s`,
        target: goals.coldStartMs,
        actual: pglite.coldStartMs,
        met: pglite.coldStartMs < goals.coldStartMs,
      },
    ],
    notes: [
      'All figures come from this one run: the servers, PostgreSQL, Redis and the load generator share the machine.',
      'Latency percentiles are computed from every 2xx response (ms, time from request written to response read).',
      'autocannon overallRate limits each connection to rate/connections requests per 1 s window, sent back to back at the start of each window: the load arrives in bursts, not evenly.',
      'The paced run sends one request every 1/rate s over at most `connections` keep-alive sockets and measures latency from the moment each request was due (open loop).',
      'Start times run from spawning `node --import tsx apps/server/src/main.ts start` until GET /ready answers 200; the tsx transform cache is already warm from the earlier scenarios.',
    ],
    benchSeconds: Math.round((performance.now() - startedAt) / 1000),
  };
  const resultsDir = join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'auth.json'), `${JSON.stringify(results, null, 2)}\n`);
  printSummary(results);
  console.log(`\nWritten: bench/results/auth.json (${results.benchSeconds} s)`);
};

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  console.error('\nbenchmark failed:', error instanceof Error ? error.message : error);
} finally {
  await cleanUp();
}
process.exit(exitCode);
