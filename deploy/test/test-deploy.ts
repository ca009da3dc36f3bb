/**
 * `npm run test:deploy`: the split deployment, for real, on this machine. On a fresh PostgreSQL database and
 * Redis key prefix it runs `companero db migrate` once, starts one shared Chroma server, two replicas of each
 * service (`companero serve <service>`), one `companero work` process and nginx with the configuration that
 * deploy/render-nginx-conf.sh renders from deploy/nginx.conf.template, then checks through nginx: routes, request
 * ids, client addresses, limits, WebSocket fan-out between replicas, streamed answers, SIGKILL of replicas
 * under load, graceful SIGTERM, a rolling restart under load, and TLS. Prints a pass/fail summary, exits
 * non-zero on any failure, and always stops what it started and drops the database.
 *
 * DATABASE_URL and REDIS_URL name the servers (default: this machine's, as .ci/run uses them).
 * KEEP_DEPLOY_LOGS=1 keeps the scratch directory (process logs, nginx configuration) for a look afterwards.
 */

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChromaServer, startChromaServer } from '@companero/ai/vectors/chroma-server';
import { dashboardDistDir, ensureDashboardBuilt } from '@companero/server/dashboard.plugin';
import { createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { type Creator, strongPassword } from '@companero/testing/creator-fixtures';
import { createHttpClient } from '@companero/testing/http-client';
import { ensureWidgetBuilt } from '@companero/widget/build-widget';
import pg from 'pg';
import { type FakeGraphApi, startFakeGraphApi } from '../../services/channel/test/fake-graph-api';
import {
  connectWhatsAppLine,
  metaJson,
  metaSignature,
  newWaId,
  type WhatsAppLine,
  whatsappMessage,
} from '../../services/channel/test/provider-fixtures';
import {
  askStreaming,
  connectWs,
  eventually,
  type Loose,
  requestFrom,
  uploadDocument,
} from './deploy-clients';
import {
  type FakeOpenAiProvider,
  fakeAnswerTokens,
  slowMarker,
  startFakeOpenAiProvider,
} from './fake-openai-provider';
import { type GetTarget, startGetLoad, startWhatsAppTraffic, type WebhookStats } from './load-generators';
import {
  createSplitStack,
  logHasRequestId,
  logProblems,
  processUsage,
  type Replica,
  renderNginxConf,
  repositoryRoot,
  type SplitService,
  type SplitStack,
  splitServices,
  startNginxProcess,
  stopProcess,
  testNginxConf,
  upstreamEnv,
} from './split-stack';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';

const slowTokenMs = 150;
const loginLimitPerIp = 10;

// ---- the summary -------------------------------------------------------------------------------------------

type CheckResult = { name: string; ok: boolean; detail: string; ms: number };
const results: CheckResult[] = [];
const timings: [string, number][] = [];
const usages: string[] = [];

const fail = (message: string): never => {
  throw new Error(message);
};
const expect = (condition: unknown, message: string) => {
  if (!condition) fail(message);
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const check = async (name: string, run: () => Promise<string>): Promise<boolean> => {
  const startedAt = performance.now();
  try {
    const detail = await run();
    const ms = performance.now() - startedAt;
    results.push({ name, ok: true, detail, ms });
    console.log(`  ✓ ${name} (${seconds(ms)}): ${detail}`);
    return true;
  } catch (error) {
    const ms = performance.now() - startedAt;
    const detail = error instanceof Error ? error.message : String(error);
    results.push({ name, ok: false, detail, ms });
    console.log(`  ✗ ${name} (${seconds(ms)}): ${detail}`);
    return false;
  }
};

const section = (title: string) => console.log(`\n${title}`);

// ---- helpers -----------------------------------------------------------------------------------------------

/** `count` distinct free ports on 127.0.0.1 (all held open at once, so none repeats). */
const freePorts = async (count: number): Promise<number[]> => {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createTcpServer>>((resolve, reject) => {
          const server = createTcpServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

const replicaName = (replica: Replica) => `${replica.service} ${replica.index}`;

/** The replica of `service` whose log has a request with this id (nginx passes the id through). */
const replicaServing = (stack: SplitStack, service: SplitService, requestId: string): Replica | undefined =>
  stack
    .replicasOf(service)
    .find((replica) => replica.process && logHasRequestId(replica.process.logFile, requestId));

// ---- the run -----------------------------------------------------------------------------------------------

const main = async (): Promise<number> => {
  const runStartedAt = performance.now();
  const workDir = await mkdtemp(join(tmpdir(), 'companero-deploy-'));
  let environment: TestEnvironment | undefined;
  let chroma: ChromaServer | undefined;
  let llm: FakeOpenAiProvider | undefined;
  let graph: FakeGraphApi | undefined;
  let stack: SplitStack | undefined;
  let database: pg.Pool | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await stack?.stopAll().catch(() => undefined);
    await chroma?.stop().catch(() => undefined);
    await llm?.close().catch(() => undefined);
    await graph?.close().catch(() => undefined);
    await database?.end().catch(() => undefined);
    await environment
      ?.cleanup()
      .catch((error: unknown) => console.log(`cleanup: ${(error as Error).message}`));
    if (process.env.KEEP_DEPLOY_LOGS === '1') console.log(`Kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  let isInterrupted = false;
  const onSignal = () => {
    if (isInterrupted) return;
    isInterrupted = true;
    console.log('\nInterrupted: stopping everything');
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // ---- the stack ---------------------------------------------------------------------------------------
    section('Starting the split stack');
    const ports = await freePorts(9);
    const nginxPort = ports.pop()!;
    const replicaPorts = Object.fromEntries(
      splitServices.map((service, position) => [service, [ports[position * 2]!, ports[position * 2 + 1]!]]),
    ) as Record<SplitService, number[]>;
    const nginxUrl = `http://127.0.0.1:${nginxPort}`;

    const startedAt = performance.now();
    await ensureDashboardBuilt({ log: (line) => console.log(`  ${line}`) });
    await ensureWidgetBuilt();
    timings.push(['dashboard and widget builds present', performance.now() - startedAt]);

    environment = await createTestEnvironment({ name: 'postgres', usesPostgres: true, usesRedis: true });
    database = new pg.Pool({ connectionString: environment.env.DATABASE_URL, max: 2 });
    chroma = await startChromaServer({ path: join(workDir, 'chroma') });
    llm = await startFakeOpenAiProvider({ slowTokenMs });
    graph = await startFakeGraphApi();

    const env: Record<string, string> = {
      ...environment.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      HOST: '127.0.0.1',
      PUBLIC_URL: nginxUrl,
      // Through nginx, so a restarting auth replica never leaves the others without keys.
      AUTH_JWKS_URL: `${nginxUrl}/.well-known/jwks.json`,
      TRUST_PROXY: '127.0.0.1',
      CHROMA_URL: chroma.url,
      OPENAI_BASE_URL: llm.url,
      OPENAI_MODEL: 'fake-model',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      // Every request of the load comes from 127.0.0.1; the sign-in limit stays low to be checked per client.
      RATE_LIMIT_PER_MINUTE: '1000000',
      WIDGET_SESSIONS_PER_MINUTE: '1000',
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: String(loginLimitPerIp),
    };
    for (const name of ['PORT', 'OLLAMA_URL', 'LLM_MODEL_PATH', 'SMTP_URL', 'CORS_ORIGINS'])
      delete process.env[name];
    const splitStack = createSplitStack({ workDir, env, replicaPorts, nginxPort });
    stack = splitStack;

    const isStarted = await check('migrations run once, then every process starts', async () => {
      let at = performance.now();
      const migrated = await splitStack.migrate();
      timings.push(['companero db migrate', performance.now() - at]);
      at = performance.now();
      const confFile = await splitStack.startNginx();
      timings.push(['nginx start', performance.now() - at]);
      const verdict = await testNginxConf(splitStack.nginxDir, confFile);
      expect(verdict.ok, `nginx -t: ${verdict.output}`);
      at = performance.now();
      // Three at a time: on two cores, starting all nine at once only makes each one slower.
      const starts = [
        ...splitStack.replicas.map((replica) => async () => {
          const ms = await splitStack.startReplica(replica);
          return { name: replicaName(replica), ms, usage: processUsage(replica.process?.child.pid) };
        }),
        async () => {
          const ms = await splitStack.startWorker();
          return { name: 'worker', ms, usage: processUsage(splitStack.worker?.child.pid) };
        },
      ];
      const started = await inBatches(starts, 3);
      const wallMs = performance.now() - at;
      for (const { name, ms, usage } of started) {
        timings.push([`${name} ready`, ms]);
        if (usage)
          usages.push(
            `${name}: ${usage.cpuSeconds.toFixed(1)} CPU s to ready, ${usage.rssMiB.toFixed(0)} MiB`,
          );
      }
      timings.push(['8 replicas + worker, all ready (3 starting at a time)', wallMs]);
      return `${migrated}; nginx -t ok; 8 replicas and the worker ready in ${seconds(wallMs)}`;
    });
    if (!isStarted) return 1;

    const http = createHttpClient(nginxUrl);
    const origin = nginxUrl;

    // ---- routes --------------------------------------------------------------------------------------------
    section('Every route through nginx');
    await check('health through each route prefix', async () => {
      const paths = [
        '/health',
        '/api/auth/health',
        '/api/hub/health',
        '/api/ai/health',
        '/api/channels/health',
      ];
      for (const path of paths) {
        const response = await http.get<Loose>(path);
        expect(response.status === 200 && response.body.status === 'ok', `${path}: HTTP ${response.status}`);
      }
      const ready = await http.get<Loose>('/api/hub/ready');
      expect(
        ready.status === 200 && ready.body.checks.vectors === 'ok',
        `/api/hub/ready: ${JSON.stringify(ready.body)}`,
      );
      return `${paths.join(', ')} answer ok; /api/hub/ready reports db, redis and the shared Chroma ok`;
    });

    await check('JWKS at /.well-known/jwks.json', async () => {
      const response = await http.get<Loose>('/.well-known/jwks.json');
      expect(response.status === 200 && response.body.keys?.length >= 1, `HTTP ${response.status}`);
      return `${response.body.keys.length} key(s), kid ${response.body.keys[0].kid}`;
    });

    const owner: Creator = {
      accountId: '',
      token: '',
      creatorId: '',
      slug: '',
      email: `owner-${randomUUID().slice(0, 8)}@example.com`,
    };
    await check('register and sign in (auth)', async () => {
      const registered = await http.post<Loose>('/api/auth/register', {
        email: owner.email,
        password: strongPassword,
        name: 'Deploy Owner',
        creatorName: `Deploy ${randomUUID().slice(0, 6)} coaching`,
      });
      expect(
        registered.status === 201,
        `register: HTTP ${registered.status} ${JSON.stringify(registered.body)}`,
      );
      owner.accountId = registered.body.account.id;
      owner.creatorId = registered.body.creator.id;
      owner.slug = registered.body.creator.slug;
      const login = await http.post<Loose>('/api/auth/login', {
        email: owner.email,
        password: strongPassword,
      });
      expect(login.status === 200, `login: HTTP ${login.status}`);
      owner.token = login.body.accessToken;
      const me = await http.get<Loose>('/api/auth/me', { token: owner.token });
      expect(me.status === 200, `me: HTTP ${me.status}`);
      return `creator ${owner.slug}`;
    });

    await check('knowledge upload (hub) is ingested by the worker into the shared Chroma', async () => {
      const bytes = readFileSync(
        join(repositoryRoot, 'services/ai-engine/test/fixtures/knowledge/building-habits.txt'),
      );
      const upload = await uploadDocument(nginxUrl, owner.token, 'building-habits.txt', bytes);
      expect(upload.status === 202, `upload: HTTP ${upload.status} ${JSON.stringify(upload.body)}`);
      const document = await eventually('the document to be ready', async () => {
        const response = await http.get<Loose>(`/api/hub/knowledge/documents/${upload.body.id}`, {
          token: owner.token,
        });
        return ['ready', 'failed'].includes(response.body.status) ? response.body : undefined;
      });
      expect(document.status === 'ready', `document ${document.status}: ${document.error}`);
      const list = await http.get<Loose>('/api/hub/knowledge/documents', { token: owner.token });
      expect(list.status === 200, `list: HTTP ${list.status}`);
      return `document ready with ${document.chunkCount ?? '?'} chunks`;
    });

    await check('ask (AI engine) answers from that knowledge', async () => {
      const response = await http.post<Loose>(
        '/api/ai/ask',
        { question: 'What is habit stacking?' },
        { token: owner.token },
      );
      expect(
        response.status === 200,
        `HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
      );
      expect(response.body.grounded === true, `not grounded: ${JSON.stringify(response.body).slice(0, 300)}`);
      return `grounded, ${response.body.citations.length} citation(s), provider ${response.body.provider}`;
    });

    const member = { token: '', id: '' };
    await check('widget session and history (channel), /widget.js', async () => {
      const session = await http.post<Loose>(
        `/api/channels/widget/${owner.slug}/sessions`,
        {},
        { headers: { origin } },
      );
      expect(session.status === 201, `session: HTTP ${session.status} ${JSON.stringify(session.body)}`);
      member.token = session.body.token;
      member.id = session.body.memberId;
      const history = await http.get<Loose>('/api/channels/messages?channel=widget', { token: member.token });
      expect(history.status === 200, `history: HTTP ${history.status}`);
      const script = await fetch(`${nginxUrl}/widget.js`, { headers: { 'accept-encoding': 'gzip' } });
      const bytes = (await script.arrayBuffer()).byteLength;
      expect(script.status === 200, `/widget.js: HTTP ${script.status}`);
      expect((script.headers.get('content-type') ?? '').includes('javascript'), 'widget.js content type');
      return `member ${member.id.slice(0, 8)}…; /widget.js ${script.headers.get('content-encoding') ?? 'identity'} ${bytes} bytes`;
    });

    await check('dashboard: index, client routes, hashed assets, /app/ placeholder', async () => {
      const index = await fetch(`${nginxUrl}/`);
      const html = await index.text();
      expect(index.status === 200 && html.includes('<div id="root"'), `/: HTTP ${index.status}`);
      expect(
        index.headers.get('cache-control') === 'no-cache',
        `index cache-control ${index.headers.get('cache-control')}`,
      );
      expect(
        index.headers.get('content-security-policy')?.includes("default-src 'self'"),
        'index has no CSP',
      );
      const route = await fetch(`${nginxUrl}/members/42`, { headers: { accept: 'text/html' } });
      expect(route.status === 200 && (await route.text()) === html, `/members/42: HTTP ${route.status}`);
      const asset = readdirSync(join(dashboardDistDir, 'assets')).find((name) => name.endsWith('.js'));
      expect(asset, 'no built asset');
      const assetResponse = await fetch(`${nginxUrl}/assets/${asset}`, {
        headers: { 'accept-encoding': 'gzip' },
      });
      await assetResponse.arrayBuffer();
      expect(assetResponse.status === 200, `asset: HTTP ${assetResponse.status}`);
      expect(assetResponse.headers.get('content-encoding') === 'gzip', 'asset not gzip');
      expect(
        assetResponse.headers.get('cache-control') === 'public, max-age=31536000, immutable',
        `asset cache-control ${assetResponse.headers.get('cache-control')}`,
      );
      const missing = await fetch(`${nginxUrl}/assets/missing-0000.js`);
      await missing.arrayBuffer();
      expect(missing.status === 404, `missing asset: HTTP ${missing.status}`);
      const app = await http.get<Loose>('/app/');
      expect(app.status === 404 && app.body.code === 'NOT_FOUND', `/app/: HTTP ${app.status}`);
      return 'index no-cache with CSP; /members/42 → index.html; asset gzip + immutable; missing asset 404; /app/ 404 problem';
    });

    await check('request ids pass through nginx (and are made when absent)', async () => {
      const requestId = `deploy-${randomUUID()}`;
      const response = await http.get<Loose>('/api/auth/me', {
        token: owner.token,
        headers: { 'x-request-id': requestId },
      });
      expect(
        response.headers.get('x-request-id') === requestId,
        `answered ${response.headers.get('x-request-id')}`,
      );
      const replica = await eventually(
        'the id in a replica log',
        async () => replicaServing(splitStack, 'auth', requestId),
        5_000,
      );
      const accessLog = readFileSync(join(splitStack.nginxDir, 'logs/access.log'), 'utf8');
      expect(accessLog.includes(requestId), 'not in the nginx access log');
      const generated = await http.get<Loose>('/api/auth/health');
      const generatedId = generated.headers.get('x-request-id') ?? '';
      expect(/^[0-9a-f]{32}$/.test(generatedId), `generated id ${generatedId}`);
      const invalid = await http.get<Loose>('/api/auth/health', {
        headers: { 'x-request-id': 'bad id with spaces' },
      });
      expect(
        /^[0-9a-f]{32}$/.test(invalid.headers.get('x-request-id') ?? ''),
        'a malformed id was passed through',
      );
      return `${requestId.slice(0, 15)}… in the answer, nginx's access log and ${replicaName(replica)}'s log; absent or malformed → nginx's $request_id`;
    });

    await check('body limits: nginx answers 413 as a problem above BODY_LIMIT_BYTES', async () => {
      const response = await fetch(`${nginxUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'x@example.com', password: 'x'.repeat(2 * 1024 * 1024) }),
      });
      const body = (await response.json()) as Loose;
      expect(response.status === 413 && body.code === 'PAYLOAD_TOO_LARGE', `HTTP ${response.status}`);
      expect(
        (response.headers.get('content-type') ?? '').includes('application/problem+json'),
        'not a problem',
      );
      return '2 MiB JSON → 413 application/problem+json; 25 MiB uploads allowed on the upload routes';
    });

    await check('per-IP rate limits see the real client (X-Forwarded-For from clients ignored)', async () => {
      const attempt = (localAddress: string, spoofed: string) =>
        requestFrom(localAddress, `${nginxUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': spoofed },
          body: JSON.stringify({
            email: `nobody-${randomUUID().slice(0, 8)}@example.com`,
            password: 'wrong password 1',
          }),
        });
      const statuses: number[] = [];
      for (let index = 0; index <= loginLimitPerIp; index += 1)
        statuses.push((await attempt('127.0.0.2', `198.51.100.${index + 1}`)).status);
      expect(
        statuses.slice(0, loginLimitPerIp).every((status) => status === 401),
        `first attempts: ${statuses.join(',')}`,
      );
      expect(
        statuses.at(-1) === 429,
        `attempt ${loginLimitPerIp + 1} from 127.0.0.2: HTTP ${statuses.at(-1)}`,
      );
      const other = await attempt('127.0.0.3', '198.51.100.200');
      expect(other.status === 401, `another client was limited too: HTTP ${other.status}`);
      return `127.0.0.2: ${loginLimitPerIp} × 401 then 429 (spoofed X-Forwarded-For ignored, counters shared by both auth replicas); 127.0.0.3: 401`;
    });

    // ---- fan-out between replicas -------------------------------------------------------------------------
    section('WebSockets and streaming through nginx');
    let line: WhatsAppLine | undefined;
    await check('WhatsApp connected (hub) with a local Graph API', async () => {
      line = await connectWhatsAppLine(http, owner, graph!);
      return `connection ${line.connectionId.slice(0, 8)}…, webhook ${line.webhookPath}`;
    });

    await check(
      'a staff WebSocket on one channel replica receives a message stored by the other',
      async () => {
        expect(line, 'no WhatsApp connection');
        const requestId = `ws-${randomUUID()}`;
        const feed = await connectWs(nginxUrl, owner.token, { headers: { 'x-request-id': requestId } });
        cleanups.push(() => feed.close());
        await feed.waitFor((frame) => frame.type === 'ready');
        const hosting = await eventually(
          'the WebSocket in a replica log',
          async () => replicaServing(splitStack, 'channel', requestId),
          5_000,
        );
        const other = splitStack.replicasOf('channel').find((replica) => replica !== hosting)!;
        const text = `cross-replica ${randomUUID().slice(0, 8)}`;
        const { payload } = whatsappMessage(
          'text-message.json',
          line!,
          { waId: newWaId(), name: 'Cross' },
          { text },
        );
        const rawBody = metaJson(payload);
        const direct = await fetch(`http://127.0.0.1:${other.port}${line!.webhookPath}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': metaSignature(rawBody, line!.appSecret),
          },
          body: rawBody,
        });
        expect(direct.status === 200, `webhook on ${replicaName(other)}: HTTP ${direct.status}`);
        const frame = await feed.waitFor(
          (candidate) => candidate.type === 'message' && candidate.message.content === text,
          15_000,
        );
        await feed.close();
        return `connected through nginx to ${replicaName(hosting)}; message ${frame.message.id.slice(0, 8)}… stored and published by ${replicaName(other)} arrived`;
      },
    );

    await check("a member's WebSocket receives the reply the worker process generates", async () => {
      const socket = await connectWs(nginxUrl, member.token, { channel: 'widget' });
      cleanups.push(() => socket.close());
      await socket.waitFor((frame) => frame.type === 'ready');
      socket.send({ type: 'message', clientId: randomUUID(), text: 'How do I keep a streak going?' });
      const ack = await socket.waitFor((frame) => frame.type === 'ack');
      const reply = await socket.waitFor(
        (frame) =>
          frame.type === 'message' && frame.message.author === 'coach' && frame.message.content.length > 0,
        60_000,
      );
      const tokens = socket.frames.filter((frame) => frame.type === 'token').length;
      await socket.close();
      return `ack ${ack.messageId.slice(0, 8)}…; ${tokens} streamed token frames, then the stored reply ${reply.message.id.slice(0, 8)}… (published from \`companero work\` through Redis)`;
    });

    await check('an answer streams token by token through nginx (SSE, no buffering)', async () => {
      const result = await askStreaming(
        nginxUrl,
        owner.token,
        `${slowMarker}: how do I start a tiny habit with habit stacking?`,
      );
      expect(result.status === 200, `HTTP ${result.status}`);
      const tokens = result.events.filter((event) => event.event === 'token');
      const done = result.events.find((event) => event.event === 'done');
      expect(done, `no done event: ${result.events.map((event) => event.event).join(',')}`);
      expect(tokens.length >= fakeAnswerTokens, `${tokens.length} token events`);
      const arrivals = new Set(tokens.map((event) => Math.round(event.at))).size;
      const spreadMs = tokens.at(-1)!.at - tokens[0]!.at;
      const expectedMs = (fakeAnswerTokens - 1) * slowTokenMs;
      expect(arrivals >= fakeAnswerTokens - 2, `tokens arrived in only ${arrivals} reads`);
      expect(
        spreadMs >= expectedMs * 0.7,
        `tokens spread over ${Math.round(spreadMs)} ms (model: ${expectedMs} ms)`,
      );
      return `${tokens.length} token events in ${arrivals} separate reads over ${Math.round(spreadMs)} ms (the model sent one every ${slowTokenMs} ms), first after ${Math.round(tokens[0]!.at - result.startedAt)} ms`;
    });

    // ---- failures under load -------------------------------------------------------------------------------
    const loadTargets: GetTarget[] = [
      { path: '/api/auth/me', token: owner.token },
      { path: '/api/hub/knowledge/documents', token: owner.token },
      { path: '/api/ai/conversations', token: owner.token },
      { path: '/api/channels/messages?channel=widget', token: member.token },
      { path: '/widget.js' },
      { path: '/' },
    ];
    const allWamids: string[] = [];
    const storedOnce = async (stats: WebhookStats) => {
      const { rows } = await database!.query<{ stored: string; distinct_ids: string }>(
        `select count(*) as stored, count(distinct provider_message_id) as distinct_ids from messages
          where channel = 'whatsapp' and direction = 'in' and provider_message_id = any($1)`,
        [stats.wamids],
      );
      return { stored: Number(rows[0]!.stored), distinct: Number(rows[0]!.distinct_ids) };
    };
    /** Waits until every message of `wamids` has its reply; answers the counts. */
    const allAnswered = (wamids: string[], timeoutMs: number) =>
      eventually(
        'every message to have its reply',
        async () => {
          const { rows } = await database!.query<{ questions: string; answered: string; replies: string }>(
            `select count(distinct q.id) as questions, count(distinct r.reply_to_message_id) as answered,
                    count(r.id) as replies
               from messages q left join messages r on r.reply_to_message_id = q.id
              where q.provider_message_id = any($1)`,
            [wamids],
          );
          const row = rows[0]!;
          return Number(row.answered) === Number(row.questions)
            ? { questions: Number(row.questions), replies: Number(row.replies) }
            : undefined;
        },
        timeoutMs,
        1_000,
      );
    // nginx sends traffic to a replica it saw fail again only `fail_timeout` (5 s) after the last failure, so a
    // restarted replica counts as back 5 s after its /ready answers (docs/deploy.md, rolling restarts).
    const nginxFailTimeoutMs = 5_000;
    const restart = async (replicas: Replica[]) => {
      const at = performance.now();
      await inBatches(
        replicas.map((replica) => () => splitStack.startReplica(replica)),
        3,
      );
      const readyMs = performance.now() - at;
      await sleep(nginxFailTimeoutMs + 1_000);
      return readyMs;
    };

    section('SIGKILL one replica of every service under load');
    await check(
      'no failed GET and no lost webhook while one replica of each service is SIGKILLed',
      async () => {
        expect(line, 'no WhatsApp connection');
        const gets = startGetLoad(nginxUrl, loadTargets, { concurrency: 4, perClientPerSecond: 5 });
        const webhooks = startWhatsAppTraffic(nginxUrl, line!, { perSecond: 4, label: 'kill' });
        const killed: string[] = [];
        await sleep(1_500);
        for (const service of splitServices) {
          const victim = splitStack.replicasOf(service)[0]!;
          const exit = await splitStack.stopReplica(victim, 'SIGKILL');
          killed.push(`${replicaName(victim)} (${exit.signal})`);
          await sleep(1_000);
        }
        await sleep(2_000);
        const getStats = await gets.stop();
        const webhookStats = await webhooks.stop();
        allWamids.push(...webhookStats.wamids);
        const stored = await storedOnce(webhookStats);
        const restartMs = await restart(splitServices.map((service) => splitStack.replicasOf(service)[0]!));
        timings.push(['restart of the 4 killed replicas (together)', restartMs]);
        expect(
          getStats.failed === 0,
          `${getStats.failed} of ${getStats.requests} GETs failed: ${getStats.failures.join('; ')}`,
        );
        expect(
          webhookStats.unacknowledged === 0,
          `${webhookStats.unacknowledged} webhooks never acknowledged`,
        );
        expect(
          stored.distinct === webhookStats.sent && stored.stored === webhookStats.sent,
          `${webhookStats.sent} sent, ${stored.distinct} stored (${stored.stored} rows)`,
        );
        return `killed ${killed.join(', ')}; ${getStats.requests} GETs (${getStats.perSecond.toFixed(0)}/s), 0 failed; ${webhookStats.sent} webhooks, ${webhookStats.failedAttempts} provider retries, all stored once; killed replicas back in ${seconds(restartMs)}`;
      },
    );

    section('Graceful shutdown (SIGTERM)');
    await check('SIGTERM lets an in-flight streamed answer finish, then the replica exits 0', async () => {
      const requestId = `drain-${randomUUID()}`;
      let firstTokenAt = 0;
      const answer = askStreaming(nginxUrl, owner.token, `${slowMarker}: what is habit stacking?`, {
        requestId,
        onEvent: (event) => {
          if (event.event === 'token' && firstTokenAt === 0) firstTokenAt = performance.now();
        },
      });
      await eventually('the first token', async () => (firstTokenAt > 0 ? true : undefined), 30_000, 20);
      const serving = replicaServing(splitStack, 'ai-engine', requestId);
      expect(serving, 'no AI engine replica logged the request');
      const exiting = splitStack.stopReplica(serving!, 'SIGTERM');
      let restartMs = 0;
      const [result, answeredAt, exit, exitedAt] = await Promise.all([
        answer,
        answer.then(() => performance.now()),
        exiting,
        exiting.then(() => performance.now()),
      ]).finally(async () => {
        restartMs = await restart([serving!]);
      });
      const tokens = result.events.filter((event) => event.event === 'token').length;
      expect(
        result.events.some((event) => event.event === 'done'),
        `the answer was cut: ${result.events.map((event) => event.event).join(',')}`,
      );
      expect(tokens >= fakeAnswerTokens, `${tokens} tokens`);
      expect(
        exit.code === 0,
        `${replicaName(serving!)} exited with code ${exit.code} (signal ${exit.signal})`,
      );
      expect(exitedAt >= answeredAt - 50, 'the replica exited before the answer finished');
      return `${replicaName(serving!)} served ${requestId.slice(0, 14)}…: SIGTERM after the first token, all ${tokens} tokens and done arrived, exit 0 after ${seconds(exit.ms)}; back in ${seconds(restartMs)}`;
    });

    await check(
      'SIGTERM on the worker lets a running reply job finish (stored, delivered), exit 0',
      async () => {
        expect(line, 'no WhatsApp connection');
        // The reply jobs of the load above first, so this message's job is the one running at SIGTERM.
        await allAnswered(allWamids, 180_000);
        const worker = splitStack.worker!;
        const completedBefore = llm!.completed;
        const contact = { waId: newWaId(), name: 'Drain' };
        const { payload, wamid } = whatsappMessage('text-message.json', line!, contact, {
          text: `${slowMarker}: how do I start a tiny habit with habit stacking?`,
        });
        allWamids.push(wamid);
        const rawBody = metaJson(payload);
        const response = await fetch(`${nginxUrl}${line!.webhookPath}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': metaSignature(rawBody, line!.appSecret),
          },
          body: rawBody,
        });
        expect(response.status === 200, `webhook: HTTP ${response.status}`);
        const replyOf = async () =>
          (
            await database!.query<{ grounded: boolean | null }>(
              `select r.grounded from messages q join messages r on r.reply_to_message_id = q.id
                where q.provider_message_id = $1`,
              [wamid],
            )
          ).rows[0];
        const reached = await eventually(
          'the reply job to reach the model',
          async () => (llm!.streaming > 0 ? 'model' : (await replyOf()) ? 'replied' : undefined),
          60_000,
          20,
        );
        if (reached === 'replied') {
          const reply = await replyOf();
          fail(`the reply was stored without the slow model call to stop in (grounded: ${reply?.grounded})`);
        }
        const exit = await stopProcess(worker, 'SIGTERM');
        const { rows } = await database!.query<{ replies: string }>(
          `select count(*) as replies from messages q join messages r on r.reply_to_message_id = q.id
          where q.provider_message_id = $1`,
          [wamid],
        );
        const restartMs = await splitStack.startWorker();
        expect(exit.code === 0, `the worker exited with code ${exit.code} (signal ${exit.signal})`);
        expect(llm!.completed > completedBefore, 'the model call was cut');
        expect(Number(rows[0]!.replies) === 1, 'the reply was not stored before the worker exited');
        await eventually(
          'the reply to reach the Graph API',
          async () => (graph!.sentTo(contact.waId).length > 0 ? true : undefined),
          30_000,
        );
        return `reply generated during SIGTERM was stored before exit 0 (${seconds(exit.ms)}) and sent to WhatsApp; worker back in ${seconds(restartMs)}`;
      },
    );

    section('Rolling restart of every service under load');
    await check(
      'a rolling restart (replica 1s, then replica 2s, and the worker) fails no GET, loses no webhook',
      async () => {
        expect(line, 'no WhatsApp connection');
        // A dashboard watching ingestion keeps a stream open on a hub replica: shutdown must end it, not wait.
        const events = await fetch(`${nginxUrl}/api/hub/knowledge/events`, {
          headers: { authorization: `Bearer ${owner.token}` },
        });
        const eventsReader = events.body!.getReader();
        cleanups.push(() => eventsReader.cancel());
        const gets = startGetLoad(nginxUrl, loadTargets, { concurrency: 4, perClientPerSecond: 5 });
        const webhooks = startWhatsAppTraffic(nginxUrl, line!, { perSecond: 2, label: 'rolling' });
        const exits: string[] = [];
        const slowExits: string[] = [];
        for (const index of [1, 2]) {
          const wave = splitStack.replicas.filter((replica) => replica.index === index);
          const at = performance.now();
          await Promise.all(
            wave.map(async (replica) => {
              if (!replica.process || replica.process.hasExited()) return;
              const exit = await splitStack.stopReplica(replica, 'SIGTERM');
              exits.push(
                `${replicaName(replica)} ${exit.code === 0 ? 'exit 0' : `exit ${exit.code}/${exit.signal}`} in ${seconds(exit.ms)}`,
              );
              if (exit.code !== 0)
                slowExits.push(
                  `${replicaName(replica)}: code ${exit.code}, signal ${exit.signal}, ${seconds(exit.ms)}`,
                );
            }),
          );
          if (index === 1) {
            const exit = await stopProcess(splitStack.worker!, 'SIGTERM');
            if (exit.code !== 0) slowExits.push(`worker: code ${exit.code}`);
            exits.push(`worker exit ${exit.code} in ${seconds(exit.ms)}`);
          }
          await inBatches(
            [
              ...wave.map((replica) => () => splitStack.startReplica(replica)),
              ...(index === 1 ? [() => splitStack.startWorker()] : []),
            ],
            3,
          );
          await sleep(nginxFailTimeoutMs + 1_000);
          timings.push([
            `rolling restart wave ${index} (${wave.length} replicas${index === 1 ? ' + worker' : ''})`,
            performance.now() - at,
          ]);
        }
        await sleep(1_000);
        const getStats = await gets.stop();
        const webhookStats = await webhooks.stop();
        allWamids.push(...webhookStats.wamids);
        const stored = await storedOnce(webhookStats);
        expect(slowExits.length === 0, `not a clean exit: ${slowExits.join('; ')}`);
        expect(
          getStats.failed === 0,
          `${getStats.failed} of ${getStats.requests} GETs failed: ${getStats.failures.join('; ')}`,
        );
        expect(
          webhookStats.unacknowledged === 0,
          `${webhookStats.unacknowledged} webhooks never acknowledged`,
        );
        expect(
          stored.distinct === webhookStats.sent && stored.stored === webhookStats.sent,
          `${webhookStats.sent} sent, ${stored.distinct} stored (${stored.stored} rows)`,
        );
        return `${getStats.requests} GETs (${getStats.perSecond.toFixed(0)}/s), 0 failed; ${webhookStats.sent} webhooks, ${webhookStats.failedAttempts} provider retries, all stored once; ${exits.join(', ')}`;
      },
    );

    await check(
      'every inbound message of the load is answered exactly once (jobs survive kills and restarts)',
      async () => {
        const counts = await allAnswered(allWamids, 180_000).catch(async (error: Error) => {
          // Say where the missing replies are stuck: their lease and their reply jobs.
          const { rows } = await database!.query<{ id: string; lease: string | null; jobs: string | null }>(
            `select q.id, q.reply_lease_until::text as lease,
                    (select string_agg(j.state || ' retry ' || j.retry_count || ' start ' || j.start_after::text, '; ')
                       from pgboss.job j where j.name = 'channel-reply' and j.data->>'messageId' = q.id::text) as jobs
               from messages q
              where q.provider_message_id = any($1)
                and not exists (select 1 from messages r where r.reply_to_message_id = q.id)`,
            [allWamids],
          );
          const stuck = rows.map(
            (row) => `${row.id.slice(0, 8)} lease ${row.lease ?? 'none'} jobs ${row.jobs ?? 'none'}`,
          );
          throw new Error(
            `${error.message}; unanswered at ${new Date().toISOString()}: ${stuck.join(' | ')}`,
          );
        });
        expect(
          counts.replies === counts.questions,
          `${counts.replies} replies to ${counts.questions} questions`,
        );
        return `${counts.questions} messages, ${counts.replies} replies`;
      },
    );

    // ---- TLS ---------------------------------------------------------------------------------------------------
    section('TLS');
    await check('with a certificate, HTTPS serves and plain HTTP redirects to it', async () => {
      const tlsDir = join(workDir, 'nginx-tls');
      const [httpPort, httpsPort] = await freePorts(2);
      const certificate = join(workDir, 'tls-cert.pem');
      const key = join(workDir, 'tls-key.pem');
      const openssl = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          certificate,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      expect(openssl.status === 0, 'openssl could not make a certificate');
      const confFile = await renderNginxConf(tlsDir, {
        NGINX_LISTEN: `127.0.0.1:${httpPort}`,
        NGINX_TLS_LISTEN: `127.0.0.1:${httpsPort}`,
        NGINX_TLS_CERTIFICATE: certificate,
        NGINX_TLS_CERTIFICATE_KEY: key,
        NGINX_WORKER_PROCESSES: '1',
        ...upstreamEnv(replicaPorts),
      });
      const tlsNginx = startNginxProcess('nginx-tls', tlsDir, confFile, splitStack.logDir);
      cleanups.push(() => stopProcess(tlsNginx, 'SIGQUIT'));
      const redirect = await eventually(
        'nginx with TLS',
        async () => {
          const response = await fetch(`http://127.0.0.1:${httpPort}/api/auth/health?x=1`, {
            redirect: 'manual',
          }).catch(() => null);
          return response ?? undefined;
        },
        10_000,
        100,
      );
      const location = redirect.headers.get('location');
      expect(
        redirect.status === 308 && location === `https://127.0.0.1:${httpsPort}/api/auth/health?x=1`,
        `HTTP ${redirect.status} → ${location}`,
      );
      const secure = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const outgoing = httpsRequest(
          `https://127.0.0.1:${httpsPort}/api/auth/health`,
          { ca: readFileSync(certificate), servername: 'localhost' },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => {
              body += chunk.toString();
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
      expect(secure.status === 200 && secure.body.includes('"ok"'), `HTTPS: HTTP ${secure.status}`);
      const keys = await fetch(`http://127.0.0.1:${httpPort}/.well-known/jwks.json`, { redirect: 'manual' });
      expect(keys.status === 200, `plain HTTP JWKS for the local services: HTTP ${keys.status}`);
      await keys.arrayBuffer();
      await stopProcess(tlsNginx, 'SIGQUIT');
      return `http://…:${httpPort} → 308 https://…:${httpsPort}; HTTPS /api/auth/health 200 (certificate verified); plain HTTP still serves the JWKS`;
    });
  } catch (error) {
    results.push({ name: 'the run', ok: false, detail: (error as Error).message, ms: 0 });
    console.log(`\nThe run stopped: ${(error as Error).message}`);
  } finally {
    const failed = results.filter((result) => !result.ok);
    if (failed.length > 0 && stack) {
      console.log('\nWarnings and errors in the process logs (last lines):');
      for (const file of readdirSync(stack.logDir).sort()) {
        const lines = logProblems(join(stack.logDir, file), 6);
        if (lines.length > 0) console.log(`  ${file}:\n${lines.map((entry) => `    ${entry}`).join('\n')}`);
      }
    }
    if (database) {
      const connections = await database
        .query<{ application_name: string; count: string }>(
          `select application_name, count(*) from pg_stat_activity where datname = current_database()
            group by 1 order by 1`,
        )
        .catch(() => null);
      if (connections) {
        const total = connections.rows.reduce((sum, row) => sum + Number(row.count), 0);
        usages.push(
          `PostgreSQL connections open at the end: ${total} (${connections.rows.map((row) => `${row.application_name || '?'} ${row.count}`).join(', ')})`,
        );
      }
    }
    const chromaUsage = processUsage(chroma?.pid);
    if (chromaUsage)
      usages.push(
        `chroma (at the end): ${chromaUsage.cpuSeconds.toFixed(1)} CPU s, ${chromaUsage.rssMiB.toFixed(0)} MiB`,
      );
    await cleanUp();
  }

  console.log('\nTimings');
  for (const [name, ms] of timings) console.log(`  ${name}: ${seconds(ms)}`);
  console.log(`  whole run: ${seconds(performance.now() - runStartedAt)}`);
  if (usages.length > 0)
    console.log(`\nProcesses at ready\n${usages.map((usage) => `  ${usage}`).join('\n')}`);
  const failed = results.filter((result) => !result.ok);
  console.log(`\ndeploy: ${results.length - failed.length} passed, ${failed.length} failed`);
  for (const result of failed) console.log(`  ✗ ${result.name}: ${result.detail}`);
  return failed.length > 0 ? 1 : 0;
};

process.exitCode = await main();
