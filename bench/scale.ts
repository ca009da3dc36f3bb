/**
 * `npm run bench:scale`: the scale evidence for the production deployment, measured in one run on the real split
 * deployment (deploy/test/split-stack.ts, as `npm run test:deploy` starts it: `companero db migrate`, two
 * replicas of every service via `companero serve <service>`, one `companero work`, one Chroma, nginx rendered by
 * deploy/render-nginx-conf.sh) on fresh PostgreSQL databases and Redis key prefixes.
 *
 *   1. Two databases, both migrated with `companero db migrate`: a small one with 10 creators × 100 members and a
 *      large one with 10,000 creators × 100 members (1,000,000 members, with identities, conversations, messages
 *      and analytics rollups), generated with set-based SQL as the owner role; time and table sizes recorded.
 *   2. Tenant reads through nginx at a fixed concurrency (member list, member detail, a member's transcript, the
 *      analytics overview; each request a random creator and member): A on the small database (its own two hub
 *      replicas behind their own nginx), B10 on 10 fixed creators of the large one, B on random creators of all
 *      10,000. Both stacks run at once and the variants alternate in rounds, so the noise of a shared machine
 *      falls on all three alike. p95(B) / p95(A) is the figure the issue asks for.
 *   3. Hub throughput, closed loop (autocannon) on the member list of random creators: through an nginx with one
 *      creator-hub replica upstream, and through the deployment's nginx with both, alternating; CPU seconds of
 *      every process involved (/proc) in each.
 *   4. pg-boss throughput: real `channel-deliver` jobs (outbound Telegram deliveries to a local Bot API
 *      stand-in: two tenant transactions, a Redis pacing check and a provider call each) drained by one
 *      `companero work` process, then by two.
 *   5. Chroma sizing: 300 creator collections filled through the application's vector store with vectors of
 *      the shipped model's shape, twice; the server's memory and data folder per collection and per vector.
 *
 * Needs DATABASE_URL (a superuser: it creates and drops private databases and roles) and REDIS_URL; defaults:
 * the local servers. BENCH_QUICK=1 runs 500 creators and short phases (to check the benchmark itself; written
 * to the git-ignored bench/results/scale.quick.tmp.json); BENCH_CREATORS sets the number of creators.
 * KEEP_BENCH_LOGS=1 keeps the scratch directory (process logs). Writes bench/results/scale.json and prints a
 * summary. Stops everything it started and drops the databases on every exit path.
 */
import { spawnSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { type ChromaServer, startChromaServer } from '@companero/ai/vectors/chroma-server';
import { createChromaVectorStore } from '@companero/ai/vectors/chroma-vector-store';
import { createPasswordService } from '@companero/auth/services/password.service';
import { createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { strongPassword } from '@companero/testing/creator-fixtures';
import { ensureWidgetBuilt } from '@companero/widget/build-widget';
import autocannon from 'autocannon';
import pg from 'pg';
import PgBoss from 'pg-boss';
import {
  createSplitStack,
  logProblems,
  type ManagedProcess,
  processUsage,
  type Replica,
  renderNginxConf,
  type SplitService,
  type SplitStack,
  splitServices,
  startNginxProcess,
  stopProcess,
  upstreamEnv,
} from '../deploy/test/split-stack';
import { type LatencyFigures, latencyFigures } from './load-generators';
import {
  type CpuProfile,
  type ProcessGroups,
  pidsNamed,
  startCpuProfile,
  sumProfiles,
  withDescendants,
} from './process-cpu';
import {
  benchAccountEmail,
  conversationEvery,
  creatorId,
  type GenerationReport,
  generateCreators,
  insertBenchAccount,
  memberId,
  membersPerCreator,
  tableSizes,
  telegramChatId,
  vacuumAnalyze,
} from './scale-dataset';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';

const quick = process.env.BENCH_QUICK === '1';
const numberFromEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};

export const settings = {
  creators: numberFromEnv('BENCH_CREATORS', quick ? 500 : 10_000),
  smallCreators: 10,
  membersPerCreator,
  generationBatchCreators: quick ? 500 : 2_500,
  /** Connections generating the large set in parallel (each its own batches of creators). */
  generationConnections: 2,
  tokenMintConcurrency: 8,
  /** Creators of the large set the spread-out reads use, drawn uniformly (a staff token each, minted via the API). */
  tokenSample: numberFromEnv('BENCH_TOKEN_SAMPLE', 2_500),
  /** Per process, as docs/deploy.md recommends for nine processes on PostgreSQL's default 100 connections. */
  databasePoolSize: 6,
  reads: {
    concurrency: 4,
    /** Before a variant's first round; later rounds only `switchSeconds`, to move the caches over. */
    warmupSeconds: quick ? 2 : 5,
    switchSeconds: 1,
    roundSeconds: quick ? 4 : 8,
    rounds: quick ? 2 : 6,
  },
  throughput: {
    connections: 32,
    warmupSeconds: quick ? 2 : 3,
    roundSeconds: quick ? 5 : 12,
    rounds: quick ? 1 : 2,
  },
  chroma: {
    // Each collection preallocates ~4 MiB on disk: a few hundred are enough to see the per-collection cost.
    collections: quick ? 20 : 300,
    firstVectors: 10,
    moreVectors: quick ? 30 : 40,
    queries: quick ? 40 : 200,
  },
  jobs: {
    type: 'channel-deliver',
    perRun: quick ? 16 : 100,
    connections: quick ? 4 : 10,
  },
};

const goals = { p95WithinShare: 0.2, hubReplicaRatio: 1.7 };

// ---- small helpers -------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const seconds = (ms: number) => round(ms / 1000, 1);
const log = (line: string) => console.log(line);
const loadAverage = () => round(os.loadavg()[0]!);

/** `count` distinct free ports on 127.0.0.1 (all held open at once, so none repeats). */
const freePorts = async (count: number): Promise<number[]> => {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createTcpServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
};

/** Bytes of the regular files under `directory`. */
const directoryBytes = (directory: string): number =>
  readdirSync(directory, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sum + directoryBytes(path);
    return entry.isFile() ? sum + statSync(path).size : sum;
  }, 0);

// The shipped embedding model's shape: what every creator's collection holds.
const embeddingModel = 'local:m2v-bge-base-vq128';
const embeddingDimension = 64;
const chunkText =
  'Warm up for ten minutes before every run: five minutes of brisk walking, then leg swings, walking lunges and high knees. Start the run slower than feels natural and let the pace come to you after the first kilometre. After the run, walk for five minutes and stretch the calves, hamstrings and hip flexors, holding each stretch for thirty seconds without bouncing. If a knee or shin hurts during the warm-up, swap the run for a bike session and tell your coach.';
const randomUnitVector = () => {
  const values = Array.from({ length: embeddingDimension }, () => Math.random() - 0.5);
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
};

/** Runs `tasks` with at most `concurrency` at a time; answers their results in order. */
const inBatches = async <T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> => {
  const results: T[] = [];
  let next = 0;
  const runner = async () => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
  return results;
};

type Loose = Record<string, any>;

const requestJson = async (
  url: string,
  options: { method?: string; body?: unknown; token?: string; expect?: number } = {},
): Promise<Loose> => {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const body = (await response.json().catch(() => ({}))) as Loose;
    if (response.status === (options.expect ?? 200)) return body;
    // A replica's first requests may meet nginx's retry of a busy upstream: retry the idempotent setup once more.
    if (attempt < 3 && response.status >= 500) {
      await sleep(500);
      continue;
    }
    throw new Error(`${options.method ?? 'GET'} ${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
};

// ---- a local stand-in for the Telegram Bot API (where the delivery jobs send) -------------------------------

const startFakeTelegram = async () => {
  const sentTo: string[] = [];
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Loose) : {};
  };
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const method = request.url?.split('/').pop();
      let result: unknown = true;
      if (method === 'getMe') result = { id: 4242, is_bot: true, first_name: 'Scale', username: 'scale_bot' };
      if (method === 'sendMessage') {
        sentTo.push(String(body.chat_id));
        result = {
          message_id: sentTo.length,
          date: Math.floor(Date.now() / 1000),
          chat: { id: body.chat_id, type: 'private' },
        };
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, result }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sentTo,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

// ---- tenant reads (closed loop, fixed concurrency) ----------------------------------------------------------

type ReadKind = 'memberList' | 'memberDetail' | 'memberTranscript' | 'analyticsOverview';
const readKinds: ReadKind[] = ['memberList', 'memberDetail', 'memberTranscript', 'analyticsOverview'];

const readPath = (kind: ReadKind, creator: number): string => {
  switch (kind) {
    case 'memberList':
      return '/api/hub/members?limit=20';
    case 'memberDetail':
      return `/api/hub/members/${memberId(creator, 1 + randomInt(membersPerCreator))}`;
    case 'memberTranscript': {
      const member = conversationEvery * (1 + randomInt(membersPerCreator / conversationEvery));
      return `/api/hub/members/${memberId(creator, member)}/messages?limit=20`;
    }
    case 'analyticsOverview':
      return '/api/hub/analytics/overview';
  }
};

/** One GET on a keep-alive agent; resolves with the status once the body has been read. */
const get = (agent: Agent, target: URL, path: string, token: string) =>
  new Promise<number>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path,
        headers: { authorization: `Bearer ${token}` },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('timeout after 30 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });

type ReadRun = {
  samples: Record<ReadKind, number[]>;
  non2xx: number;
  errors: number;
  failures: string[];
  seconds: number;
};

/** `concurrency` clients, each sending the four reads in turn as fast as answers come, for `seconds`. */
const runReads = async (
  baseUrl: string,
  options: { concurrency: number; seconds: number; pickCreator: () => number; tokens: Map<number, string> },
): Promise<ReadRun> => {
  const target = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const samples = Object.fromEntries(readKinds.map((kind) => [kind, [] as number[]])) as Record<
    ReadKind,
    number[]
  >;
  const run: ReadRun = { samples, non2xx: 0, errors: 0, failures: [], seconds: 0 };
  const startedAt = performance.now();
  const deadline = startedAt + options.seconds * 1000;
  const client = async (offset: number) => {
    for (let index = offset; performance.now() < deadline; index += 1) {
      const kind = readKinds[index % readKinds.length]!;
      const creator = options.pickCreator();
      const path = readPath(kind, creator);
      const sentAt = performance.now();
      try {
        const status = await get(agent, target, path, options.tokens.get(creator)!);
        if (status === 200) samples[kind].push(performance.now() - sentAt);
        else {
          run.non2xx += 1;
          if (run.failures.length < 5) run.failures.push(`${path}: HTTP ${status}`);
        }
      } catch (error) {
        run.errors += 1;
        if (run.failures.length < 5) run.failures.push(`${path}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => client(index)));
  run.seconds = (performance.now() - startedAt) / 1000;
  agent.destroy();
  return run;
};

type ReadPhase = {
  description: string;
  creatorsSpread: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: LatencyFigures;
  byKind: Record<ReadKind, LatencyFigures & { requests: number }>;
  non2xx: number;
  errors: number;
  failures: string[];
  measuredSeconds: number;
  p95ByRound: number[];
  loadAverage1m: number[];
  cpu: CpuProfile;
};

const summarizeReads = (
  description: string,
  creatorsSpread: number,
  runs: ReadRun[],
  profiles: CpuProfile[],
  loads: number[],
): ReadPhase => {
  const byKind = Object.fromEntries(
    readKinds.map((kind) => {
      const all = runs.flatMap((run) => run.samples[kind]);
      return [kind, { ...latencyFigures(all), requests: all.length }];
    }),
  ) as ReadPhase['byKind'];
  const all = runs.flatMap((run) => readKinds.flatMap((kind) => run.samples[kind]));
  const measuredSeconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return {
    description,
    creatorsSpread,
    requests: all.length,
    requestsPerSecond: round(all.length / measuredSeconds, 1),
    latencyMs: latencyFigures(all),
    byKind,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    failures: runs.flatMap((run) => run.failures).slice(0, 5),
    measuredSeconds: round(measuredSeconds),
    p95ByRound: runs.map((run) => latencyFigures(readKinds.flatMap((kind) => run.samples[kind])).p95),
    loadAverage1m: loads,
    cpu: sumProfiles(profiles),
  };
};

// ---- hub throughput (closed loop, saturating) ---------------------------------------------------------------

type ThroughputRun = {
  requestsPerSecond: number;
  latencyMs: LatencyFigures;
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
};

const runSaturation = async (
  baseUrl: string,
  options: { connections: number; seconds: number; pick: () => { path: string; token: string } },
): Promise<ThroughputRun> => {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: baseUrl,
        connections: options.connections,
        duration: options.seconds,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => {
              const { path, token } = options.pick();
              return { ...request, path, headers: { ...request.headers, authorization: `Bearer ${token}` } };
            },
          },
        ],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else non2xx += 1;
    });
    instance.on('reqError', () => {
      errors += 1;
    });
  });
  return {
    requestsPerSecond: round(latencies.length / result.duration, 1),
    latencyMs: latencyFigures(latencies),
    requests: latencies.length + non2xx,
    non2xx,
    errors: errors + result.timeouts,
    seconds: round(result.duration),
  };
};

// ---- the run -------------------------------------------------------------------------------------------------

const main = async (): Promise<number> => {
  const startedAt = new Date();
  const runStartedAt = performance.now();
  const workDir = await mkdtemp(join(os.tmpdir(), 'companero-scale-'));
  const timings: Record<string, number> = {};
  const environments: TestEnvironment[] = [];
  let chroma: ChromaServer | undefined;
  let telegram: Awaited<ReturnType<typeof startFakeTelegram>> | undefined;
  let stack: SplitStack | undefined;
  let smallStack: SplitStack | undefined;
  let extraWorkerStack: SplitStack | undefined;
  let nginxOneHub: ManagedProcess | undefined;
  let monitor: pg.Client | undefined;
  let boss: PgBoss | undefined;
  const clients: pg.Client[] = [];

  const managedProcesses = (): ManagedProcess[] =>
    [
      ...[stack, smallStack].flatMap((each) => [
        ...(each?.replicas.map((replica) => replica.process) ?? []),
        each?.worker,
        each?.nginx,
      ]),
      extraWorkerStack?.worker,
      nginxOneHub,
    ].filter((proc): proc is ManagedProcess => Boolean(proc));
  // Last resort if this process dies without running the cleanup: nothing may outlive the benchmark.
  const killNow = () => {
    for (const proc of managedProcesses()) if (!proc.hasExited()) proc.child.kill('SIGKILL');
  };
  process.on('exit', killNow);

  let cleanupPromise: Promise<void> | undefined;
  const cleanUp = () => {
    cleanupPromise ??= (async () => {
      await boss?.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
      if (nginxOneHub) await stopProcess(nginxOneHub, 'SIGQUIT', 10_000).catch(() => undefined);
      await Promise.all(
        [extraWorkerStack, smallStack, stack].map((each) => each?.stopAll().catch(() => undefined)),
      );
      await chroma?.stop().catch(() => undefined);
      await telegram?.close().catch(() => undefined);
      for (const client of [monitor, ...clients]) await client?.end().catch(() => undefined);
      for (const environment of environments.splice(0))
        await environment
          .cleanup()
          .catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
      if (process.env.KEEP_BENCH_LOGS === '1') log(`Kept ${workDir}`);
      else rmSync(workDir, { recursive: true, force: true });
    })();
    return cleanupPromise;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`\n${signal}: stopping everything`);
      void cleanUp().finally(() => process.exit(130));
    });

  try {
    // ---- machine, databases, processes ---------------------------------------------------------------------
    const cpus = os.cpus().length;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const setting = async (name: string) =>
      (await admin.query<{ value: string }>(`select current_setting($1) as value`, [name])).rows[0]!.value;
    const machine = {
      cpus,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      loadAverage1mAtStart: loadAverage(),
      postgres: {
        version: await setting('server_version'),
        sharedBuffers: await setting('shared_buffers'),
        maxConnections: Number(await setting('max_connections')),
        workMem: await setting('work_mem'),
      },
      nginx:
        spawnSync(process.env.NGINX_BINARY ?? '/usr/sbin/nginx', ['-v'], { encoding: 'utf8' })
          .stderr?.trim()
          .replace('nginx version: ', '') ?? 'unknown',
      node: process.version,
    };
    await admin.end();
    log(
      `Scale benchmark${quick ? ' (BENCH_QUICK)' : ''}: ${settings.creators.toLocaleString('en')} creators × ${membersPerCreator} members vs ${settings.smallCreators} creators; ${cpus} × ${machine.cpuModel}, load average ${machine.loadAverage1mAtStart}`,
    );

    const backend = { name: 'postgres', usesPostgres: true, usesRedis: true } as const;
    const largeEnvironment = await createTestEnvironment(backend);
    environments.push(largeEnvironment);
    const smallEnvironment = await createTestEnvironment(backend);
    environments.push(smallEnvironment);
    const connect = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      clients.push(client);
      return client;
    };
    chroma = await startChromaServer({ path: join(workDir, 'chroma') });
    telegram = await startFakeTelegram();
    await ensureWidgetBuilt();

    const ports = await freePorts(splitServices.length * 2 + 5);
    const [nginxPort, smallNginxPort, nginxOneHubPort, smallHub1, smallHub2] = ports.splice(-5) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const smallHubPorts = [smallHub1, smallHub2];
    const replicaPorts = Object.fromEntries(
      splitServices.map((service, position) => [service, [ports[position * 2]!, ports[position * 2 + 1]!]]),
    ) as Record<SplitService, number[]>;
    const nginxUrl = `http://127.0.0.1:${nginxPort}`;
    const smallNginxUrl = `http://127.0.0.1:${smallNginxPort}`;
    const nginxOneHubUrl = `http://127.0.0.1:${nginxOneHubPort}`;
    const env: Record<string, string> = {
      ...largeEnvironment.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      HOST: '127.0.0.1',
      PUBLIC_URL: nginxUrl,
      AUTH_JWKS_URL: `${nginxUrl}/.well-known/jwks.json`,
      TRUST_PROXY: '127.0.0.1',
      CHROMA_URL: chroma.url,
      ACCESS_TOKEN_TTL_SECONDS: '7200',
      // Every request of the load comes from 127.0.0.1.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      DATABASE_POOL_SIZE: String(settings.databasePoolSize),
    };
    // The small database's hub replicas: same settings (same issuer, same JWKS through nginx, so the staff tokens
    // of the large deployment's auth verify there too: creators 1–10 have the same ids in both databases).
    const smallEnv: Record<string, string> = {
      ...env,
      DATABASE_URL: smallEnvironment.env.DATABASE_URL!,
      DATABASE_APP_ROLE: smallEnvironment.env.DATABASE_APP_ROLE!,
      REDIS_KEY_PREFIX: smallEnvironment.env.REDIS_KEY_PREFIX!,
      DATA_DIR: smallEnvironment.env.DATA_DIR!,
    };
    for (const name of [
      'PORT',
      'OLLAMA_URL',
      'LLM_MODEL_PATH',
      'SMTP_URL',
      'CORS_ORIGINS',
      'OPENAI_BASE_URL',
    ])
      delete process.env[name];
    const splitStack = createSplitStack({ workDir, env, replicaPorts, nginxPort });
    stack = splitStack;
    // Its nginx sends /api/hub to the small database's two hub replicas, everything else to the deployment's.
    const smallSplitStack = createSplitStack({
      workDir: join(workDir, 'small'),
      env: smallEnv,
      replicaPorts: { ...replicaPorts, 'creator-hub': smallHubPorts },
      nginxPort: smallNginxPort,
    });
    smallStack = smallSplitStack;

    // ---- 1. migrate both databases, generate both datasets ---------------------------------------------------
    log('\nMigrating both databases (companero db migrate)…');
    let at = performance.now();
    const migrated = await splitStack.migrate();
    timings.migrateSeconds = seconds(performance.now() - at);
    await smallSplitStack.migrate();
    log(`  ${migrated} (${timings.migrateSeconds} s)`);
    const owner = await connect(largeEnvironment.env.DATABASE_URL!);
    const smallOwner = await connect(smallEnvironment.env.DATABASE_URL!);
    monitor = await connect(largeEnvironment.env.DATABASE_URL!);
    const passwordHash = await createPasswordService().hash(strongPassword);

    await insertBenchAccount(smallOwner, passwordHash);
    const small = await generateCreators(smallOwner, {
      first: 1,
      last: settings.smallCreators,
      passwordHash,
    });
    const smallVacuumSeconds = await vacuumAnalyze(smallOwner);
    const smallSizes = await tableSizes(smallOwner);
    log(
      `  small: ${settings.smallCreators} creators × ${membersPerCreator} members in ${small.seconds.toFixed(1)} s (database ${smallSizes.databaseMiB} MiB)`,
    );

    log(
      `Generating the large dataset: ${settings.creators.toLocaleString('en')} creators × ${membersPerCreator} members (${settings.generationConnections} connections)…`,
    );
    await insertBenchAccount(owner, passwordHash);
    at = performance.now();
    const generators = await Promise.all(
      Array.from({ length: settings.generationConnections }, () =>
        connect(largeEnvironment.env.DATABASE_URL!),
      ),
    );
    const span = Math.ceil(settings.creators / generators.length);
    const largeReports = await Promise.all(
      generators.map((client, index) =>
        generateCreators(client, {
          first: 1 + index * span,
          last: Math.min(settings.creators, (index + 1) * span),
          passwordHash,
          batchSize: settings.generationBatchCreators,
          log: (line) => log(`  [connection ${index + 1}] ${line}`),
        }),
      ),
    );
    const large: GenerationReport = {
      creators: settings.creators,
      seconds: round((performance.now() - at) / 1000, 1),
      rows: {},
    };
    for (const report of largeReports)
      for (const [table, count] of Object.entries(report.rows))
        large.rows[table] = (large.rows[table] ?? 0) + count;
    for (const client of generators) await client.end();
    const vacuumSeconds = round(await vacuumAnalyze(owner), 1);
    const largeSizes = await tableSizes(owner);
    const largeMembers = settings.creators * membersPerCreator;
    const largeRows = Object.values(large.rows).reduce((sum, count) => sum + count, 0);
    log(
      `  ${(large.rows.members ?? 0).toLocaleString('en')} members, ${largeRows.toLocaleString('en')} rows in ${large.seconds} s (${Math.round(largeRows / large.seconds).toLocaleString('en')} rows/s); VACUUM ANALYZE ${vacuumSeconds} s; database ${largeSizes.databaseMiB} MiB`,
    );

    // ---- the stacks ------------------------------------------------------------------------------------------
    log(
      'Starting the split stack (nginx, 2 replicas of each service, one worker) and the small database’s 2 hub replicas behind their own nginx, 3 starting at a time…',
    );
    at = performance.now();
    await splitStack.startNginx();
    await smallSplitStack.startNginx();
    const starts = [
      ...splitStack.replicas.map((replica) => () => splitStack.startReplica(replica)),
      () => splitStack.startWorker(),
      ...smallSplitStack
        .replicasOf('creator-hub')
        .map((replica) => () => smallSplitStack.startReplica(replica)),
    ];
    await inBatches(starts, 3);
    timings.stacksReadySeconds = seconds(performance.now() - at);
    log(`  10 replicas and the worker ready in ${timings.stacksReadySeconds} s`);

    // ---- staff tokens -----------------------------------------------------------------------------------------
    const login = await requestJson(`${nginxUrl}/api/auth/login`, {
      body: { email: benchAccountEmail, password: strongPassword, creatorId: creatorId(1) },
    });
    const loginToken = login.accessToken as string;
    const tokens = new Map<number, string>([[1, loginToken]]);
    // Who is read: the small database's 10 creators (same ids in both databases), 10 fixed creators spread over
    // the large set, a uniform random sample of the large set (tokens cost a request each), the job runs' creators.
    const step = Math.floor(settings.creators / settings.smallCreators);
    const smallCreators = Array.from({ length: settings.smallCreators }, (_, index) => index + 1);
    const fixedLarge = Array.from({ length: settings.smallCreators }, (_, index) => 1 + index * step);
    const jobCreators = Array.from(
      { length: settings.jobs.connections },
      (_, index) => 1 + Math.floor(step / 2) + index * step,
    );
    const shuffled = Array.from({ length: settings.creators }, (_, index) => index + 1);
    for (let index = shuffled.length - 1; index > 0; index -= 1) {
      const other = randomInt(index + 1);
      [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
    }
    const spread = shuffled.slice(0, Math.min(settings.creators, settings.tokenSample)).sort((a, b) => a - b);
    const tokenCreators = [...new Set([...smallCreators, ...fixedLarge, ...jobCreators, ...spread])].filter(
      (creator) => !tokens.has(creator),
    );
    log(
      `Minting staff tokens (POST /api/auth/switch) for ${(tokenCreators.length + 1).toLocaleString('en')} creators (a uniform sample of ${spread.length.toLocaleString('en')} of the ${settings.creators.toLocaleString('en')} and the fixed ones)…`,
    );
    const mintedAt = performance.now();
    await inBatches(
      tokenCreators.map((creator) => async () => {
        const body = await requestJson(`${nginxUrl}/api/auth/switch`, {
          body: { creatorId: creatorId(creator) },
          token: loginToken,
        });
        tokens.set(creator, body.accessToken as string);
      }),
      settings.tokenMintConcurrency,
    );
    const minted = {
      tokens: tokens.size,
      seconds: seconds(performance.now() - mintedAt),
      perSecond: round(tokenCreators.length / ((performance.now() - mintedAt) / 1000), 1),
    };
    log(`  ${minted.tokens} tokens in ${minted.seconds} s (${minted.perSecond}/s)`);

    // The generated rows answer every read the way the API promises (else the latencies would mean nothing).
    for (const baseUrl of [nginxUrl, smallNginxUrl]) {
      const token = tokens.get(1)!;
      const member = memberId(1, conversationEvery);
      const list = await requestJson(`${baseUrl}/api/hub/members?limit=20`, { token });
      const detail = await requestJson(`${baseUrl}/api/hub/members/${member}`, { token });
      const transcript = await requestJson(`${baseUrl}/api/hub/members/${member}/messages?limit=20`, {
        token,
      });
      const overview = await requestJson(`${baseUrl}/api/hub/analytics/overview`, { token });
      if (
        list.items?.length !== 20 ||
        detail.conversations?.length !== 1 ||
        transcript.items?.length !== 4 ||
        !(overview.activeMembers > 0 && overview.messagesIn > 0 && overview.retention?.cohorts?.length > 0)
      )
        throw new Error(
          `${baseUrl}: the generated data does not answer the reads as expected: list ${list.items?.length}, conversations ${detail.conversations?.length}, transcript ${transcript.items?.length}, overview ${JSON.stringify(overview).slice(0, 300)}`,
        );
    }
    log('  sample reads answer as expected on both databases');

    // ---- CPU groups -------------------------------------------------------------------------------------------
    const pidsOf = (replicas: Replica[]) =>
      replicas.flatMap((replica) =>
        replica.process && !replica.process.hasExited() && replica.process.child.pid
          ? [replica.process.child.pid]
          : [],
      );
    const hubs = splitStack.replicasOf('creator-hub');
    const databaseName = (url: string) => new URL(url).pathname.slice(1);
    const largeDatabase = databaseName(largeEnvironment.env.DATABASE_URL!);
    const smallDatabase = databaseName(smallEnvironment.env.DATABASE_URL!);
    const backendsOf = (database: string) => async () =>
      (
        await monitor!.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [
          database,
        ])
      ).rows.map((row) => row.pid);
    const cpuGroups: ProcessGroups = {
      nginx: () => withDescendants(splitStack.nginx?.child.pid),
      'nginx (small database)': () => withDescendants(smallSplitStack.nginx?.child.pid),
      'nginx (one hub upstream)': () => withDescendants(nginxOneHub?.child.pid),
      'creator-hub 1': () => pidsOf(hubs.slice(0, 1)),
      'creator-hub 2': () => pidsOf(hubs.slice(1, 2)),
      'creator-hub ×2 (small database)': () => pidsOf(smallSplitStack.replicasOf('creator-hub')),
      'auth ×2': () => pidsOf(splitStack.replicasOf('auth')),
      'ai-engine ×2': () => pidsOf(splitStack.replicasOf('ai-engine')),
      'channel ×2': () => pidsOf(splitStack.replicasOf('channel')),
      workers: () =>
        [splitStack.worker, extraWorkerStack?.worker].flatMap((proc) =>
          proc?.child.pid && !proc.hasExited() ? [proc.child.pid] : [],
        ),
      chroma: () => (chroma?.pid ? [chroma.pid] : []),
      'postgres: large database backends': backendsOf(largeDatabase),
      'postgres: small database backends': backendsOf(smallDatabase),
      'postgres: all processes (other databases, checkpointer, WAL writer too)': () => pidsNamed('postgres'),
      'redis-server': () => pidsNamed('redis-server'),
    };
    const profile = () => startCpuProfile(cpuGroups, cpus);
    const largeBackends = 'postgres: large database backends';

    // ---- 2. tenant reads: A (small database) / B10 / B (large database), alternating rounds ------------------
    type Variant = {
      key: 'A' | 'B10' | 'B';
      description: string;
      baseUrl: string;
      database: string;
      creators: number[];
    };
    const variants: Variant[] = [
      {
        key: 'A',
        description: `small database (${settings.smallCreators} creators × ${membersPerCreator} members), its ${settings.smallCreators} creators`,
        baseUrl: smallNginxUrl,
        database: smallDatabase,
        creators: smallCreators,
      },
      {
        key: 'B10',
        description: `large database, ${settings.smallCreators} fixed creators of its ${settings.creators.toLocaleString('en')}`,
        baseUrl: nginxUrl,
        database: largeDatabase,
        creators: fixedLarge,
      },
      {
        key: 'B',
        description:
          spread.length === settings.creators
            ? `large database, random creators of all ${settings.creators.toLocaleString('en')}`
            : `large database, random creators of a uniform sample of ${spread.length.toLocaleString('en')} of its ${settings.creators.toLocaleString('en')}`,
        baseUrl: nginxUrl,
        database: largeDatabase,
        creators: spread,
      },
    ];
    const collected = Object.fromEntries(
      variants.map((variant) => [
        variant.key,
        {
          runs: [] as ReadRun[],
          cpu: [] as CpuProfile[],
          loads: [] as number[],
          blocks: { hit: 0, read: 0 },
        },
      ]),
    ) as Record<
      Variant['key'],
      { runs: ReadRun[]; cpu: CpuProfile[]; loads: number[]; blocks: { hit: number; read: number } }
    >;
    // Shared-buffer hits and misses of the variant's database (PostgreSQL's own counters; a miss is a read from
    // the operating system's cache or the disk): the work a read does, whatever share of the CPU the run got.
    const blockCounters = async (database: string) => {
      const { rows } = await monitor!.query<{ hit: string; read: string }>(
        'select blks_hit as hit, blks_read as read from pg_stat_database where datname = $1',
        [database],
      );
      return { hit: Number(rows[0]!.hit), read: Number(rows[0]!.read) };
    };
    log(
      `\nTenant reads: ${settings.reads.concurrency} concurrent clients, ${settings.reads.rounds} rounds of ${settings.reads.roundSeconds} s per variant, the order rotating each round…`,
    );
    for (let roundIndex = 0; roundIndex < settings.reads.rounds; roundIndex += 1) {
      const order = variants.map((_, index) => variants[(index + roundIndex) % variants.length]!);
      for (const variant of order) {
        const pickCreator = () => variant.creators[randomInt(variant.creators.length)]!;
        const options = { concurrency: settings.reads.concurrency, pickCreator, tokens };
        // Warm-up: the first round longer (connections, caches), later ones just long enough to switch over.
        const warmup = roundIndex === 0 ? settings.reads.warmupSeconds : settings.reads.switchSeconds;
        await runReads(variant.baseUrl, { ...options, seconds: warmup });
        const load = loadAverage();
        const blocksBefore = await blockCounters(variant.database);
        const stop = await profile();
        const run = await runReads(variant.baseUrl, { ...options, seconds: settings.reads.roundSeconds });
        const cpu = await stop();
        // Backends flush their counters at most once a second: wait for the round's last ones.
        await sleep(1_100);
        const blocksAfter = await blockCounters(variant.database);
        collected[variant.key].blocks.hit += blocksAfter.hit - blocksBefore.hit;
        collected[variant.key].blocks.read += blocksAfter.read - blocksBefore.read;
        collected[variant.key].runs.push(run);
        collected[variant.key].cpu.push(cpu);
        collected[variant.key].loads.push(load);
        const all = readKinds.flatMap((kind) => run.samples[kind]);
        const figures = latencyFigures(all);
        log(
          `  round ${roundIndex + 1} ${variant.key.padEnd(3)}: ${all.length} reads, ${(all.length / run.seconds).toFixed(0)}/s, p50 ${figures.p50} / p95 ${figures.p95} / p99 ${figures.p99} ms${run.non2xx + run.errors > 0 ? `, ${run.non2xx} non-2xx, ${run.errors} errors: ${run.failures.join('; ')}` : ''} (load ${load})`,
        );
      }
    }
    const reads = Object.fromEntries(
      variants.map((variant) => {
        const data = collected[variant.key];
        const summary = summarizeReads(
          variant.description,
          variant.creators.length,
          data.runs,
          data.cpu,
          data.loads,
        );
        const perRequest = (blocks: number) => round(blocks / summary.requests, 1);
        return [
          variant.key,
          {
            ...summary,
            sharedBuffers: {
              hitsPerRead: perRequest(data.blocks.hit),
              missesPerRead: perRequest(data.blocks.read),
              hitRatio: round(data.blocks.hit / Math.max(1, data.blocks.hit + data.blocks.read), 4),
            },
          },
        ];
      }),
    ) as Record<
      Variant['key'],
      ReadPhase & { sharedBuffers: { hitsPerRead: number; missesPerRead: number; hitRatio: number } }
    >;
    const readsA = reads.A;
    const readsB10 = reads.B10;
    const readsB = reads.B;
    const p95Ratio = round(readsB.latencyMs.p95 / readsA.latencyMs.p95);
    // Round by round (A and B measured minutes apart at most, under the same neighbours' load).
    const pairedRatios = readsB.p95ByRound.map((p95, index) => round(p95 / readsA.p95ByRound[index]!));
    const sortedPaired = [...pairedRatios].sort((a, b) => a - b);
    const pairedMedian = sortedPaired[Math.floor((sortedPaired.length - 1) / 2)]!;
    const byKindRatio = Object.fromEntries(
      readKinds.map((kind) => [kind, round(readsB.byKind[kind].p95 / readsA.byKind[kind].p95)]),
    );

    // ---- 3. hub throughput: one replica vs two -------------------------------------------------------------------
    log(
      `\nC. Hub throughput, closed loop (${settings.throughput.connections} connections), GET /api/hub/members?limit=20 of random creators…`,
    );
    const oneHubDir = join(workDir, 'nginx-one-hub');
    const oneHubConf = await renderNginxConf(oneHubDir, {
      ...upstreamEnv({ ...replicaPorts, 'creator-hub': replicaPorts['creator-hub'].slice(0, 1) }),
      NGINX_LISTEN: `127.0.0.1:${nginxOneHubPort}`,
      NGINX_WORKER_PROCESSES: '1',
    });
    nginxOneHub = startNginxProcess('nginx-one-hub', oneHubDir, oneHubConf, splitStack.logDir);
    for (let attempt = 0; ; attempt += 1) {
      const ok = await fetch(`${nginxOneHubUrl}/health`)
        .then((response) => response.status === 200)
        .catch(() => false);
      if (ok) break;
      if (attempt > 100) throw new Error('nginx with one hub upstream did not start');
      await sleep(100);
    }
    const pickList = () => {
      const creator = spread[randomInt(spread.length)]!;
      return { path: '/api/hub/members?limit=20', token: tokens.get(creator)! };
    };
    const throughput = {
      one: { runs: [] as ThroughputRun[], cpu: [] as CpuProfile[], loads: [] as number[] },
      two: { runs: [] as ThroughputRun[], cpu: [] as CpuProfile[], loads: [] as number[] },
    };
    for (let roundIndex = 0; roundIndex < settings.throughput.rounds; roundIndex += 1) {
      const order: ('one' | 'two')[] = roundIndex % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
      for (const mode of order) {
        const baseUrl = mode === 'one' ? nginxOneHubUrl : nginxUrl;
        const options = { connections: settings.throughput.connections, pick: pickList };
        await runSaturation(baseUrl, { ...options, seconds: settings.throughput.warmupSeconds });
        const load = loadAverage();
        const stop = await profile();
        const run = await runSaturation(baseUrl, { ...options, seconds: settings.throughput.roundSeconds });
        const cpu = await stop();
        throughput[mode].runs.push(run);
        throughput[mode].cpu.push(cpu);
        throughput[mode].loads.push(load);
        log(
          `  ${mode === 'one' ? 'one hub replica ' : 'two hub replicas'}: ${run.requestsPerSecond} req/s, p50 ${run.latencyMs.p50} / p95 ${run.latencyMs.p95} ms, ${run.non2xx} non-2xx, ${run.errors} errors; machine ${cpu.machine.cores} of ${cpus} cores busy (hub 1 ${cpu.groups['creator-hub 1']?.cores}, hub 2 ${cpu.groups['creator-hub 2']?.cores}, postgres ${cpu.groups[largeBackends]?.cores}, nginx ${round((cpu.groups.nginx?.cores ?? 0) + (cpu.groups['nginx (one hub upstream)']?.cores ?? 0))}, load generator ${cpu.loadGenerator.cores}) (load ${load})`,
        );
      }
    }
    const throughputFigures = (mode: 'one' | 'two') => {
      const runs = throughput[mode].runs;
      const requests = runs.reduce((sum, run) => sum + run.requests - run.non2xx, 0);
      const wall = runs.reduce((sum, run) => sum + run.seconds, 0);
      const cpu = sumProfiles(throughput[mode].cpu);
      const cores = (name: string) => cpu.groups[name]?.cores ?? 0;
      // The serving path: nginx, the hub replicas, their PostgreSQL backends, Redis (rate limits).
      const servingCores = round(
        cores('nginx') +
          cores('nginx (one hub upstream)') +
          cores('creator-hub 1') +
          cores('creator-hub 2') +
          cores(largeBackends) +
          cores('redis-server'),
      );
      const requestsPerSecond = round(requests / wall, 1);
      // CPU milliseconds each request cost, per part: independent of how much of the machine the run got.
      const msPerRequest = (value: number) => round((value * 1000) / requestsPerSecond, 3);
      return {
        requestsPerSecond,
        servingCores,
        requestsPerServingCpuSecond: round(requestsPerSecond / servingCores, 1),
        hubCores: round(cores('creator-hub 1') + cores('creator-hub 2')),
        cpuMsPerRequest: {
          hub: msPerRequest(cores('creator-hub 1') + cores('creator-hub 2')),
          postgres: msPerRequest(cores(largeBackends)),
          nginx: msPerRequest(cores('nginx') + cores('nginx (one hub upstream)')),
          redis: msPerRequest(cores('redis-server')),
          loadGenerator: msPerRequest(cpu.loadGenerator.cores),
        },
        rounds: runs,
        loadAverage1m: throughput[mode].loads,
        cpu,
      };
    };
    const hubOne = throughputFigures('one');
    const hubTwo = throughputFigures('two');
    const replicaRatio = round(hubTwo.requestsPerSecond / hubOne.requestsPerSecond);
    // What an idle machine would allow, from the CPU each request cost with one replica (the less crowded of the
    // two measurements; with two replicas each request cost more, see cpuMsPerRequest). One replica stops at one
    // core (a Node process runs JavaScript on one thread); the machine stops when every core is busy with the hub,
    // PostgreSQL, nginx, Redis (and, on this machine, the load generator). Assumes a second replica adds no CPU per
    // request, so the ratio is an upper bound.
    const cost = hubOne.cpuMsPerRequest;
    const servingMs = cost.hub + cost.postgres + cost.nginx + cost.redis;
    const withGeneratorMs = servingMs + cost.loadGenerator;
    const oneReplicaCeiling = 1000 / cost.hub;
    const ceiling = (replicas: number, cores: number, perRequestMs: number) =>
      Math.min(replicas * oneReplicaCeiling, (cores * 1000) / perRequestMs);
    const projection = {
      basis:
        'CPU ms per request measured with one replica (hubThroughput.oneReplica.cpuMsPerRequest); a second replica assumed to add no CPU per request (an upper bound)',
      cpuMsPerRequest: { servingPath: round(servingMs, 3), withLoadGenerator: round(withGeneratorMs, 3) },
      oneReplicaCeilingRequestsPerSecond: round(oneReplicaCeiling),
      ratioOnThisMachineIdle: round(ceiling(2, cpus, withGeneratorMs) / ceiling(1, cpus, withGeneratorMs)),
      ratioWithClientsElsewhere: {
        [`${cpus} cores`]: round(ceiling(2, cpus, servingMs) / ceiling(1, cpus, servingMs)),
        '4 cores': round(ceiling(2, 4, servingMs) / ceiling(1, 4, servingMs)),
      },
      coresForTheGoal: round((goals.hubReplicaRatio * servingMs) / cost.hub, 1),
    };
    await stopProcess(nginxOneHub, 'SIGQUIT', 10_000);

    // ---- 4. pg-boss: one worker vs two ---------------------------------------------------------------------------
    log(
      `\nD. pg-boss: ${settings.jobs.perRun} ${settings.jobs.type} jobs (Telegram deliveries to a local Bot API) drained by one worker, then by two…`,
    );
    const connectionIds = new Map<number, string>();
    for (const [index, creator] of jobCreators.entries()) {
      const created = await requestJson(`${nginxUrl}/api/hub/channels/telegram`, {
        body: {
          botToken: `${700_000 + index}:AAscalebenchscalebenchscalebench${index}`,
          apiBaseUrl: telegram.url,
        },
        token: tokens.get(creator),
        expect: 201,
      });
      connectionIds.set(creator, created.id as string);
    }
    boss = new PgBoss({
      connectionString: largeEnvironment.env.DATABASE_URL!,
      schema: 'pgboss',
      supervise: false,
      schedule: false,
      migrate: false,
      max: 2,
    });
    boss.on('error', () => undefined);
    await boss.start();
    const perCreator = Math.ceil(settings.jobs.perRun / jobCreators.length);
    const createDeliveries = async (batch: number) => {
      const rows = Array.from({ length: settings.jobs.perRun }, (_, index) => {
        const creator = jobCreators[index % jobCreators.length]!;
        const slot = batch * perCreator + Math.floor(index / jobCreators.length);
        const member = 2 + 3 * slot; // members whose identity is Telegram
        if (member > membersPerCreator) throw new Error('not enough Telegram members for the job runs');
        return {
          creatorId: creatorId(creator),
          memberId: memberId(creator, member),
          connectionId: connectionIds.get(creator)!,
          externalId: telegramChatId(creator, member),
          conversationId: randomUUID(),
          messageId: randomUUID(),
          deliveryId: randomUUID(),
        };
      });
      const column = (name: keyof (typeof rows)[number]) => rows.map((row) => row[name]);
      // What the outbox writes for a proactive message: the conversation, the stored message, its delivery row.
      await owner.query(
        `with input as (
           select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::uuid[], $7::uuid[])
             as t(creator_id, member_id, connection_id, external_id, conversation_id, message_id, delivery_id)),
         conversation as (
           insert into conversations (id, creator_id, member_id, channel, started_at, last_message_at, message_count)
           select conversation_id, creator_id, member_id, 'telegram', now(), now(), 1 from input),
         message as (
           insert into messages (id, creator_id, conversation_id, member_id, direction, author, content, channel, status)
           select message_id, creator_id, conversation_id, member_id, 'out', 'coach',
                  'Time for your evening check-in: how did today''s *10-minute* run feel?', 'telegram', 'queued'
             from input)
         insert into outbound_deliveries (id, creator_id, message_id, member_id, channel, connection_id, external_id, kind)
         select delivery_id, creator_id, message_id, member_id, 'telegram', connection_id, external_id, 'proactive'
           from input`,
        [
          column('creatorId'),
          column('memberId'),
          column('connectionId'),
          column('externalId'),
          column('conversationId'),
          column('messageId'),
          column('deliveryId'),
        ],
      );
      return rows;
    };
    const drain = async (label: string, batch: number, workers: number) => {
      const rows = await createDeliveries(batch);
      const ids = rows.map((row) => row.deliveryId);
      const sentBefore = telegram!.sentTo.length;
      const load = loadAverage();
      const stop = await profile();
      const enqueuedAt = performance.now();
      await boss!.insert(
        rows.map((row) => ({
          name: settings.jobs.type,
          data: { creatorId: row.creatorId, deliveryId: row.deliveryId },
        })),
      );
      const deadline = Date.now() + settings.jobs.perRun * 2_000 + 60_000;
      let statuses: Record<string, number> = {};
      for (;;) {
        const { rows: counts } = await monitor!.query<{ status: string; count: number }>(
          `select status, count(*)::int as count from outbound_deliveries where id = any($1::uuid[]) group by status`,
          [ids],
        );
        statuses = Object.fromEntries(counts.map((row) => [row.status, row.count]));
        const open = (statuses.pending ?? 0) + (statuses.sending ?? 0);
        if (open === 0) break;
        if (Date.now() > deadline)
          throw new Error(
            `${label}: ${open} deliveries still open after the deadline (${JSON.stringify(statuses)})`,
          );
        await sleep(100);
      }
      const wallSeconds = (performance.now() - enqueuedAt) / 1000;
      const cpu = await stop();
      const { rows: stats } = await monitor!.query<{
        jobs: number;
        completed: number;
        drain: number;
        handler_p50: number;
        handler_p95: number;
        busy: number;
        wait_p50: number;
      }>(
        `select count(*)::int as jobs, count(*) filter (where state = 'completed')::int as completed,
                extract(epoch from max(completed_on) - min(created_on))::float8 as drain,
                (percentile_cont(0.5) within group (order by extract(epoch from completed_on - started_on)) * 1000)::float8 as handler_p50,
                (percentile_cont(0.95) within group (order by extract(epoch from completed_on - started_on)) * 1000)::float8 as handler_p95,
                extract(epoch from sum(completed_on - started_on))::float8 as busy,
                percentile_cont(0.5) within group (order by extract(epoch from started_on - created_on))::float8 as wait_p50
           from pgboss.job where name = $1 and data->>'deliveryId' = any($2::text[])`,
        [settings.jobs.type, ids],
      );
      const stat = stats[0]!;
      const sent = telegram!.sentTo.slice(sentBefore);
      const result = {
        workers,
        jobs: settings.jobs.perRun,
        completed: stat.completed,
        deliveries: statuses,
        providerCalls: sent.length,
        distinctChats: new Set(sent).size,
        drainSeconds: round(stat.drain),
        wallSecondsSeenByBench: round(wallSeconds),
        jobsPerSecond: round(settings.jobs.perRun / stat.drain),
        handlerMs: { p50: round(stat.handler_p50), p95: round(stat.handler_p95) },
        /** Share of the drain each worker spent inside a handler (the rest: the queue's polling pause). */
        handlerBusyShare: round(stat.busy / (stat.drain * workers)),
        queueWaitSecondsP50: round(stat.wait_p50),
        loadAverage1m: load,
        cpu,
      };
      log(
        `  ${label}: ${result.completed}/${result.jobs} completed, ${result.providerCalls} provider calls to ${result.distinctChats} chats, drained in ${result.drainSeconds} s = ${result.jobsPerSecond} jobs/s; handler p50 ${result.handlerMs.p50} ms, busy ${Math.round(result.handlerBusyShare * 100)} % of the time (load ${load})`,
      );
      return result;
    };
    const oneWorker = await drain('one worker ', 0, 1);
    log('  starting a second `companero work`…');
    extraWorkerStack = createSplitStack({
      workDir: join(workDir, 'second-worker'),
      env,
      replicaPorts,
      nginxPort,
    });
    at = performance.now();
    await extraWorkerStack.startWorker();
    timings.secondWorkerReadySeconds = seconds(performance.now() - at);
    const twoWorkers = await drain('two workers', 1, 2);
    const workerRatio = round(twoWorkers.jobsPerSecond / oneWorker.jobsPerSecond);

    // ---- 5. Chroma footprint per collection and per vector -----------------------------------------------------
    const { firstVectors, moreVectors } = settings.chroma;
    const collections = Math.min(settings.chroma.collections, settings.creators);
    log(
      `\nE. Chroma sizing: ${collections} creator collections, ${firstVectors} then ${firstVectors + moreVectors} vectors each (${embeddingDimension} dimensions, ${chunkText.length}-character chunks)…`,
    );
    const store = createChromaVectorStore({ url: chroma.url });
    const chromaDir = join(workDir, 'chroma');
    const footprint = () => ({
      rssMiB: round(processUsage(chroma?.pid)?.rssMiB ?? 0, 1),
      diskMiB: round(directoryBytes(chromaDir) / 2 ** 20, 1),
    });
    const collectionCreators = Array.from({ length: collections }, (_, index) => index + 1);
    const before = footprint();
    at = performance.now();
    await inBatches(
      collectionCreators.map(
        (creator) => () =>
          store.ensureCollection(creatorId(creator), {
            model: embeddingModel,
            dimension: embeddingDimension,
          }),
      ),
      4,
    );
    const createSeconds = (performance.now() - at) / 1000;
    const fill = async (count: number, offset: number) => {
      const startedFill = performance.now();
      await inBatches(
        collectionCreators.map(
          (creator) => () =>
            store.upsert(
              creatorId(creator),
              Array.from({ length: count }, (_, index) => ({
                id: `${creator}-${offset + index}`,
                embedding: randomUnitVector(),
                document: chunkText,
                metadata: {
                  documentId: `document-${creator}-${Math.floor((offset + index) / 20)}`,
                  chunkIndex: offset + index,
                },
              })),
            ),
        ),
        4,
      );
      return (collections * count) / ((performance.now() - startedFill) / 1000);
    };
    const firstRate = await fill(firstVectors, 0);
    await sleep(2_000);
    const afterFirst = footprint();
    const moreRate = await fill(moreVectors, firstVectors);
    await sleep(2_000);
    const afterMore = footprint();
    const queryLatencies: number[] = [];
    for (let index = 0; index < settings.chroma.queries; index += 1) {
      const creator = collectionCreators[randomInt(collectionCreators.length)]!;
      const sentAt = performance.now();
      await store.query(creatorId(creator), randomUnitVector(), { k: 5 });
      queryLatencies.push(performance.now() - sentAt);
    }
    const afterQueries = footprint();
    await store.close();
    const perVector = {
      diskBytes: Math.round(
        ((afterMore.diskMiB - afterFirst.diskMiB) * 2 ** 20) / (collections * moreVectors),
      ),
      rssBytes: Math.round(((afterMore.rssMiB - afterFirst.rssMiB) * 2 ** 20) / (collections * moreVectors)),
    };
    const perCollection = {
      diskKiB: round(
        ((afterFirst.diskMiB - before.diskMiB) * 2 ** 20 - collections * firstVectors * perVector.diskBytes) /
          collections /
          1024,
        1,
      ),
      rssKiB: round(
        ((afterFirst.rssMiB - before.rssMiB) * 2 ** 20 - collections * firstVectors * perVector.rssBytes) /
          collections /
          1024,
        1,
      ),
    };
    const chromaSizing = {
      collections,
      vectorsPerCollection: [firstVectors, firstVectors + moreVectors],
      dimension: embeddingDimension,
      documentCharacters: chunkText.length,
      createCollectionsPerSecond: round(collections / createSeconds, 1),
      upsertVectorsPerSecond: [round(firstRate, 1), round(moreRate, 1)],
      footprint: { before, afterFirst, afterMore, afterQueries },
      perCollection,
      perVector,
      queryMs: latencyFigures(queryLatencies),
      note: 'RSS of the Chroma process (the npm CLI with the Rust server in-process) and the size of its data folder; per-vector from the second fill, per-collection from the first fill minus its vectors.',
    };
    log(
      `  disk ${before.diskMiB} → ${afterFirst.diskMiB} → ${afterMore.diskMiB} MiB, RSS ${before.rssMiB} → ${afterFirst.rssMiB} → ${afterMore.rssMiB} → ${afterQueries.rssMiB} MiB (after ${settings.chroma.queries} queries); per collection ≈ ${perCollection.diskKiB} KiB disk / ${perCollection.rssKiB} KiB RSS, per vector ≈ ${perVector.diskBytes} B disk / ${perVector.rssBytes} B RSS; query p50 ${chromaSizing.queryMs.p50} / p95 ${chromaSizing.queryMs.p95} ms`,
    );

    // ---- 5. results --------------------------------------------------------------------------------------------
    timings.wholeRunSeconds = seconds(performance.now() - runStartedAt);
    const results = {
      benchmark: 'scale',
      command: 'npm run bench:scale',
      quick,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverage1mAtEnd: loadAverage() },
      settings,
      deployment: {
        replicasPerService: 2,
        services: splitServices,
        workers: '1, then 2 for the second job run',
        smallDatabase:
          'two more creator-hub replicas on the small database, behind their own nginx (phase A)',
        nginxWorkerProcesses: 1,
        databasePoolSizePerProcess: settings.databasePoolSize,
        chroma: 'one server',
        logLevel: 'info (JSON to files, as in production)',
      },
      timings,
      dataset: {
        small: { ...small, vacuumAnalyzeSeconds: round(smallVacuumSeconds, 1), sizes: smallSizes },
        large: {
          ...large,
          members: largeMembers,
          vacuumAnalyzeSeconds: vacuumSeconds,
          generationConnections: settings.generationConnections,
          sizes: largeSizes,
        },
        staffTokens: { ...minted, endpoint: 'POST /api/auth/switch' },
      },
      tenantReads: {
        method:
          'Closed loop at a fixed concurrency through nginx, two hub replicas per database; each client sends the four reads in turn, each for a random creator of the variant and a random member of that creator. A: a separate database holding only 10 creators × 100 members, served by its own two hub replicas (same build, settings and nginx template; auth, Redis and Chroma shared). B10 and B: the large database. Both stacks run at once and the three variants alternate in rounds (order rotating), so machine noise falls on all three alike; percentiles are over all rounds of a variant.',
        reads: {
          memberList: 'GET /api/hub/members?limit=20',
          memberDetail: 'GET /api/hub/members/:id (identities, conversations)',
          memberTranscript: 'GET /api/hub/members/:id/messages?limit=20 (a member with a conversation)',
          analyticsOverview: 'GET /api/hub/analytics/overview (last 30 days, rollups)',
        },
        concurrency: settings.reads.concurrency,
        phases: { A: readsA, B10: readsB10, B: readsB },
        ratios: {
          p95BOverA: p95Ratio,
          p95B10OverA: round(readsB10.latencyMs.p95 / readsA.latencyMs.p95),
          p95BOverB10: round(readsB.latencyMs.p95 / readsB10.latencyMs.p95),
          p50BOverA: round(readsB.latencyMs.p50 / readsA.latencyMs.p50),
          p95BOverAByRead: byKindRatio,
          p95BOverAByRound: pairedRatios,
          p95BOverAMedianOfRounds: pairedMedian,
        },
      },
      hubThroughput: {
        method: `autocannon, ${settings.throughput.connections} connections, GET /api/hub/members?limit=20 of random creators of the large database (the same ${spread.length} as read B); one replica: a second nginx (same template) whose hub upstream lists only replica 1; two: the deployment's nginx. Rounds alternate (one, two, two, one).`,
        oneReplica: hubOne,
        twoReplicas: hubTwo,
        ratio: replicaRatio,
        projection,
      },
      jobs: {
        method: `${settings.jobs.perRun} ${settings.jobs.type} jobs inserted at once with pg-boss (their deliveries written as the outbox writes them) for ${settings.jobs.connections} creators with a Telegram connection; drain = last completion − first enqueue (pg-boss' own timestamps).`,
        oneWorker,
        twoWorkers,
        ratio: workerRatio,
      },
      chroma: chromaSizing,
      goals: [
        {
          goal: `tenant read p95 at ${settings.creators} creators within ±${goals.p95WithinShare * 100} % of 10 creators`,
          actual: p95Ratio,
          met: Math.abs(p95Ratio - 1) <= goals.p95WithinShare,
        },
        {
          goal: `hub throughput with 2 replicas ≥ ${goals.hubReplicaRatio}× of 1 replica`,
          actual: replicaRatio,
          met: replicaRatio >= goals.hubReplicaRatio,
        },
        { goal: 'pg-boss throughput, 2 workers / 1 worker (no goal set)', actual: workerRatio, met: null },
      ],
    };
    // A quick run checks the benchmark: its figures go to a git-ignored file, never over the full run's.
    const file = join(import.meta.dirname, 'results', quick ? 'scale.quick.tmp.json' : 'scale.json');
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

    log('\nSummary');
    log(
      `  dataset: ${settings.creators.toLocaleString('en')} creators × ${membersPerCreator} members generated in ${large.seconds} s (+ VACUUM ANALYZE ${vacuumSeconds} s), database ${largeSizes.databaseMiB} MiB`,
    );
    log(
      `  tenant read p95: A ${readsA.latencyMs.p95} ms (10 creators) vs B ${readsB.latencyMs.p95} ms (random creators of ${spread.length} spread over ${settings.creators}) = ${p95Ratio}× (median of rounds ${pairedMedian}×); B10 ${readsB10.latencyMs.p95} ms; shared-buffer misses per read A ${readsA.sharedBuffers.missesPerRead}, B ${readsB.sharedBuffers.missesPerRead} (hits ${readsA.sharedBuffers.hitsPerRead} vs ${readsB.sharedBuffers.hitsPerRead})`,
    );
    log(
      `  hub throughput: ${hubOne.requestsPerSecond} req/s with 1 replica vs ${hubTwo.requestsPerSecond} with 2 = ${replicaRatio}× (serving path ${hubOne.servingCores} vs ${hubTwo.servingCores} cores); per request ${round(servingMs, 2)} CPU ms on the serving path (hub ${cost.hub}, postgres ${cost.postgres}) → at most ${projection.ratioOnThisMachineIdle}× on this machine idle, ${projection.coresForTheGoal} cores for ${goals.hubReplicaRatio}×`,
    );
    log(
      `  pg-boss ${settings.jobs.type}: ${oneWorker.jobsPerSecond} jobs/s with 1 worker vs ${twoWorkers.jobsPerSecond} with 2 = ${workerRatio}×`,
    );
    log(
      `  Chroma: per collection ≈ ${chromaSizing.perCollection.diskKiB} KiB disk, per vector ≈ ${chromaSizing.perVector.diskBytes} B disk; query p95 ${chromaSizing.queryMs.p95} ms over ${collections} collections`,
    );
    for (const goal of results.goals)
      log(`  ${goal.met === null ? 'INFO  ' : goal.met ? 'MET   ' : 'MISSED'} ${goal.goal}: ${goal.actual}`);
    log(`  whole run ${timings.wholeRunSeconds} s; results written to ${file}`);
    return 0;
  } catch (error) {
    console.error(`\nThe run stopped: ${(error as Error).stack ?? error}`);
    for (const proc of managedProcesses()) {
      const problems = logProblems(proc.logFile, 3);
      if (problems.length > 0) console.error(`  ${proc.name}: ${problems.join(' | ')}`);
    }
    return 1;
  } finally {
    await cleanUp();
  }
};

process.exitCode = await main();
