/**
 * `npm run bench:channels`: the channel service under load, on PostgreSQL + Redis, measured in one run.
 *
 *   1. Webhook: Telegram updates POSTed at a fixed 200 req/s (open loop) to the all-in-one server while it
 *      answers them (extractive answers, sent to a local Bot API stand-in): 200-after-durable latency.
 *   2. WebSocket capacity: 10,000 concurrent connections on one `companero serve channel` process, and the
 *      process's resident memory per connection.
 *   3. Fan-out: members send on process A (WebSocket), their message events reach their connection on process
 *      B through Redis; latency from send to receipt at a target of 1,000 messages/s.
 *   4. During that burst 20 % of the receiving clients are cut off and reconnect with `resume`: events lost
 *      (goal 0) and duplicates that reach the UI after the client's dedupe by event id (goal 0).
 *
 * Needs DATABASE_URL and REDIS_URL (defaults: the local servers). Writes bench/results/channels.json.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { type Backend, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import pg from 'pg';
import WebSocket from 'ws';
import { type LoadFigures, latencyFigures, runPaced } from './load-generators';
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

// BENCH_QUICK=1 runs every scenario small, to check the benchmark itself.
const quick = process.env.BENCH_QUICK === '1';

export const settings = {
  webhookRate: 200,
  webhookSeconds: quick ? 2 : 10,
  webhookChats: 100,
  wsConnections: quick ? 500 : 10_000,
  wsMembers: 100,
  fanoutRate: quick ? 200 : 1000,
  fanoutSeconds: quick ? 2 : 5,
  fanoutMembers: 100,
  disconnectShare: 0.2,
  startTimeoutMs: 120_000,
};

const goals = { webhookP99Ms: 50, lostEvents: 0, uiDuplicates: 0 };
const origin = 'http://bench.companero.test';
const postgresBackend: Backend = { name: 'postgres', usesPostgres: true, usesRedis: true };

// ---- cleanup on every exit path ------------------------------------------------------------------------

const environments: TestEnvironment[] = [];
const openServers: Server[] = [];
let cleanupPromise: Promise<void> | undefined;
const cleanUp = () => {
  cleanupPromise ??= (async () => {
    await stopAllServers();
    for (const server of openServers) server.close();
    for (const environment of environments.splice(0).reverse())
      await environment.cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
  })();
  return cleanupPromise;
};
process.on('exit', killAllServersNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

// ---- a local stand-in for the Telegram Bot API (the replies' destination) -----------------------------

const startBotApi = async () => {
  let webhookSecret = '';
  let sent = 0;
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  };
  const server = createServer((request, response) => {
    void readBody(request).then((body: Record<string, unknown>) => {
      const method = request.url?.split('/').pop();
      let result: unknown = true;
      if (method === 'getMe') result = { id: 4242, is_bot: true, first_name: 'Bench', username: 'bench_bot' };
      if (method === 'setWebhook') webhookSecret = String(body.secret_token);
      if (method === 'sendMessage') {
        sent += 1;
        result = {
          message_id: sent,
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
  openServers.push(server);
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, secret: () => webhookSecret, sent: () => sent };
};

// ---- servers and accounts -------------------------------------------------------------------------------

const spawnCompanero = async (name: string, args: string[], env: Record<string, string>) => {
  const port = await freePort();
  const since = performance.now();
  const server = spawnServer({ name, script: 'apps/server/src/main.ts', args, port, env });
  await waitUntilOk(server, '/ready', { since, timeoutMs: settings.startTimeoutMs });
  return server;
};

const json = async <T>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) => {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json().catch(() => null)) as T;
  if (response.status >= 300)
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
};

const rssKiB = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0);
};

type Session = { token: string; memberId: string };

const openSession = (baseUrl: string, slug: string) =>
  json<Session>(`${baseUrl}/api/channels/widget/${slug}/sessions`, {
    method: 'POST',
    body: {},
    headers: { origin },
  });

const connect = (baseUrl: string, token: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(
      `${baseUrl.replace('http', 'ws')}/api/channels/ws?token=${token}&channel=widget`,
    );
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });

// ---- scenarios -----------------------------------------------------------------------------------------

const webhookScenario = async (
  server: ServerProcess,
  connectionId: string,
  secret: string,
  databaseUrl: string,
) => {
  console.log(`  webhook: ${settings.webhookRate} Telegram updates/s for ${settings.webhookSeconds} s…`);
  const started = Date.now();
  const figures = await runPaced({
    url: `${server.url}/api/channels/telegram/${connectionId}/webhook`,
    method: 'POST',
    headers: { 'x-telegram-bot-api-secret-token': secret },
    connections: 50,
    ratePerSecond: settings.webhookRate,
    durationSeconds: settings.webhookSeconds,
    body: (index) =>
      JSON.stringify({
        update_id: 10_000 + index,
        message: {
          message_id: index + 1,
          date: Math.floor(started / 1000),
          chat: { id: 5000 + (index % settings.webhookChats), type: 'private' },
          from: { id: 5000 + (index % settings.webhookChats), is_bot: false, first_name: 'Bench' },
          text: `How do I keep a habit going? (${index})`,
        },
      }),
  });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const stored = Number(
    (await client.query(`select count(*) from messages where channel = 'telegram' and direction = 'in'`))
      .rows[0].count,
  );
  await client.end();
  return { figures, stored };
};

const capacityScenario = async (server: ServerProcess, slug: string, sessionsFrom: string) => {
  console.log(`  WebSocket capacity: ${settings.wsConnections} connections on one process…`);
  const sessions = await Promise.all(
    Array.from({ length: settings.wsMembers }, () => openSession(sessionsFrom, slug)),
  );
  await sleep(2000);
  const before = rssKiB(server.child.pid!);
  const sockets: WebSocket[] = [];
  const started = performance.now();
  for (let index = 0; index < settings.wsConnections; index += 250) {
    const batch = Array.from({ length: Math.min(250, settings.wsConnections - index) }, (_, offset) =>
      connect(server.url, sessions[(index + offset) % sessions.length]!.token),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  const connectSeconds = (performance.now() - started) / 1000;
  await sleep(3000);
  const after = rssKiB(server.child.pid!);
  const open = sockets.filter((socket) => socket.readyState === WebSocket.OPEN).length;
  for (const socket of sockets) socket.terminate();
  await sleep(1000);
  return {
    connections: settings.wsConnections,
    openAtEnd: open,
    connectSeconds: round(connectSeconds),
    rssBeforeMiB: round(before / 1024, 1),
    rssAfterMiB: round(after / 1024, 1),
    kibPerConnection: round((after - before) / settings.wsConnections, 1),
  };
};

type Receiver = {
  session: Session;
  socket: WebSocket;
  lastEventId: string | null;
  seenEvents: Set<string>;
  seenClientIds: Set<string>;
  duplicateFrames: number;
  uiDuplicates: number;
  cutOff: boolean;
};

const fanoutScenario = async (a: ServerProcess, b: ServerProcess, slug: string, sessionsFrom: string) => {
  console.log(
    `  fan-out: ${settings.fanoutRate} messages/s for ${settings.fanoutSeconds} s, A → Redis → B, cutting ${settings.disconnectShare * 100} % of receivers…`,
  );
  const sessions = await Promise.all(
    Array.from({ length: settings.fanoutMembers }, () => openSession(sessionsFrom, slug)),
  );
  const sentAt = new Map<string, number>();
  const acked = new Set<string>();
  const latencies: number[] = [];

  const attach = (receiver: Receiver) => {
    receiver.socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as {
        type: string;
        eventId?: string;
        message?: { clientId: string | null; id: string };
      };
      if (frame.type !== 'message' || !frame.eventId || !frame.message) return;
      if (receiver.seenEvents.has(frame.eventId)) {
        receiver.duplicateFrames += 1;
        return; // the widget's message store drops it here
      }
      receiver.seenEvents.add(frame.eventId);
      receiver.lastEventId = frame.eventId;
      const clientId = frame.message.clientId;
      if (!clientId) return;
      if (receiver.seenClientIds.has(clientId)) receiver.uiDuplicates += 1;
      receiver.seenClientIds.add(clientId);
      const at = sentAt.get(clientId);
      if (at !== undefined && !receiver.cutOff) latencies.push(performance.now() - at);
    });
  };
  const receivers: Receiver[] = [];
  for (const session of sessions) {
    const receiver: Receiver = {
      session,
      socket: await connect(b.url, session.token),
      lastEventId: null,
      seenEvents: new Set(),
      seenClientIds: new Set(),
      duplicateFrames: 0,
      uiDuplicates: 0,
      cutOff: false,
    };
    attach(receiver);
    receivers.push(receiver);
  }
  const senders = await Promise.all(sessions.map((session) => connect(a.url, session.token)));
  for (const sender of senders)
    sender.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { type: string; clientId?: string };
      if (frame.type === 'ack' && frame.clientId) acked.add(frame.clientId);
    });
  await sleep(1000);

  const total = settings.fanoutRate * settings.fanoutSeconds;
  const intervalMs = 1000 / settings.fanoutRate;
  const cutAt = Math.floor(total / 2);
  const cut = receivers.slice(0, Math.round(receivers.length * settings.disconnectShare));
  const started = performance.now();
  for (let index = 0; index < total; index++) {
    const due = started + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(Math.floor(wait));
    if (index === cutAt) {
      for (const receiver of cut) {
        receiver.cutOff = true;
        receiver.socket.terminate();
      }
      setTimeout(() => {
        for (const receiver of cut) {
          void connect(b.url, receiver.session.token).then((socket) => {
            receiver.socket = socket;
            attach(receiver);
            socket.send(JSON.stringify({ type: 'resume', lastEventId: receiver.lastEventId }));
          });
        }
      }, 300);
    }
    const memberIndex = index % senders.length;
    const clientId = randomUUID();
    sentAt.set(clientId, performance.now());
    (receivers[memberIndex] as Receiver & { expected?: Set<string> }).expected ??= new Set();
    (receivers[memberIndex] as Receiver & { expected?: Set<string> }).expected!.add(clientId);
    senders[memberIndex]!.send(JSON.stringify({ type: 'message', clientId, text: `fan-out ${index}` }));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  // Quiesce: wait until every acknowledged message reached its receiver, or 30 s.
  const deadline = Date.now() + 30_000;
  const missing = () =>
    receivers.reduce(
      (sum, receiver) =>
        sum +
        [...((receiver as Receiver & { expected?: Set<string> }).expected ?? [])].filter(
          (clientId) => acked.has(clientId) && !receiver.seenClientIds.has(clientId),
        ).length,
      0,
    );
  while (Date.now() < deadline && (acked.size < total || missing() > 0)) await sleep(250);
  const result = {
    targetRatePerSecond: settings.fanoutRate,
    sentRatePerSecond: round(total / sendSeconds, 1),
    messages: total,
    acknowledged: acked.size,
    latencyMs: latencyFigures(latencies),
    disconnectedClients: cut.length,
    lostEvents: missing(),
    duplicateFramesReceived: receivers.reduce((sum, receiver) => sum + receiver.duplicateFrames, 0),
    uiDuplicates: receivers.reduce((sum, receiver) => sum + receiver.uiDuplicates, 0),
  };
  for (const receiver of receivers) receiver.socket.terminate();
  for (const sender of senders) sender.terminate();
  return result;
};

// ---- run -----------------------------------------------------------------------------------------------

const main = async () => {
  const loadAverage1mAtStart = round(os.loadavg()[0]!);
  const environment = await createTestEnvironment(postgresBackend, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    WIDGET_SESSIONS_PER_MINUTE: '1000000',
    WS_MESSAGES_PER_10S: '100000',
  });
  environments.push(environment);
  const botApi = await startBotApi();
  console.log('Starting the all-in-one server (PostgreSQL + Redis)…');
  const main = await spawnCompanero('all-in-one', ['start'], environment.env);
  const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
  const account = await json<{ accessToken: string; creator: { slug: string } }>(
    `${main.url}/api/auth/register`,
    {
      method: 'POST',
      body: { email, password: 'plum orbit canyon lantern 58', name: 'Bench', creatorName: `Bench ${email}` },
    },
  );
  const staff = { authorization: `Bearer ${account.accessToken}` };
  await json(`${main.url}/api/hub/channels/widget`, {
    method: 'PUT',
    headers: staff,
    body: {
      theme: {
        primaryColor: '#4f46e5',
        position: 'bottom-right',
        title: 'Bench',
        avatarUrl: null,
        greeting: 'Hi',
      },
      allowedOrigins: [origin],
    },
  });
  const telegram = await json<{ id: string }>(`${main.url}/api/hub/channels/telegram`, {
    method: 'POST',
    headers: staff,
    body: { botToken: '123456789:AAbenchbenchbenchbenchbenchbench', apiBaseUrl: botApi.url },
  });

  const webhook = await webhookScenario(main, telegram.id, botApi.secret(), environment.env.DATABASE_URL!);
  console.log('Starting two channel-service processes (split mode, same PostgreSQL and Redis)…');
  const channelEnv = { ...environment.env, AUTH_JWKS_URL: `${main.url}/.well-known/jwks.json` };
  const processA = await spawnCompanero('channel-a', ['serve', 'channel'], channelEnv);
  const processB = await spawnCompanero('channel-b', ['serve', 'channel'], channelEnv);
  const capacity = await capacityScenario(processB, account.creator.slug, main.url);
  const fanout = await fanoutScenario(processA, processB, account.creator.slug, main.url);

  const results = {
    benchmark: 'channels',
    measuredAt: new Date().toISOString(),
    node: process.version,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', loadAverage1mAtStart },
    settings,
    scenarios: {
      webhook: {
        ...webhook.figures,
        storedInboundMessages: webhook.stored,
        repliesSentToBotApiByEnd: botApi.sent(),
      },
      websocketCapacity: capacity,
      fanout,
    },
    goals: [
      {
        goal: `webhook POST → 200 p99 < ${goals.webhookP99Ms} ms at ${settings.webhookRate} req/s`,
        actual: webhook.figures.latencyMs.p99,
        met: webhook.figures.latencyMs.p99 < goals.webhookP99Ms,
      },
      {
        goal: 'no event lost across forced disconnects + resume',
        actual: fanout.lostEvents,
        met: fanout.lostEvents === goals.lostEvents,
      },
      {
        goal: 'no duplicate reaches the UI',
        actual: fanout.uiDuplicates,
        met: fanout.uiDuplicates === goals.uiDuplicates,
      },
    ],
  };
  const file = join(repoRoot, 'bench/results/channels.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const w = results.scenarios.webhook as LoadFigures & { storedInboundMessages: number };
  console.log(
    `\nWebhook at ${settings.webhookRate}/s: p50 ${w.latencyMs.p50} ms, p99 ${w.latencyMs.p99} ms, ${w.requestsPerSecond} ok/s, stored ${w.storedInboundMessages} of ${w.requests}`,
  );
  console.log(
    `WebSocket: ${capacity.openAtEnd}/${capacity.connections} open, ${capacity.kibPerConnection} KiB RSS per connection (${capacity.rssBeforeMiB} → ${capacity.rssAfterMiB} MiB)`,
  );
  console.log(
    `Fan-out: sent ${fanout.sentRatePerSecond}/s, p50 ${fanout.latencyMs.p50} ms, p99 ${fanout.latencyMs.p99} ms; lost ${fanout.lostEvents}, duplicate frames ${fanout.duplicateFramesReceived}, UI duplicates ${fanout.uiDuplicates}`,
  );
  console.log(`Results written to ${file}`);
};

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
