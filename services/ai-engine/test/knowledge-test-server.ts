import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AiRuntime, createAiComponents } from '@companero/ai/ai-components';
import { silentLogger } from '@companero/ai/logging/component-logger.types';
import {
  buildServerApp,
  type ServerOptions,
  type ServiceName,
  startWorkers,
} from '@companero/server/server-app';
import type { Backend } from '@companero/testing/backends';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  strongPassword,
  teammateToken,
  uniqueEmail,
} from '@companero/testing/creator-fixtures';
import { createHttpClient, type HttpClient, type JsonResponse } from '@companero/testing/http-client';
import { startTestServer, type TestServer } from '@companero/testing/test-server';

export { type Body, type Creator, expectStatus, registerCreator, strongPassword, teammateToken, uniqueEmail };

const allServices: ServiceName[] = ['auth', 'creator-hub', 'ai-engine'];

export type KnowledgeTestServer = {
  server: TestServer;
  http: HttpClient;
  baseUrl: string;
  /** The AI components the server uses (embedded Chroma, local embedder, LLM or null), shared with its workers. */
  ai: AiRuntime;
  close(): Promise<void>;
};

/**
 * The all-in-one server (auth + creator hub + AI engine, with every job worker) over a private environment,
 * as `companero start` builds it. The AI components are created here and handed to both the app and the
 * workers, so tests can look into the creator's Chroma collection. Per-IP limits are raised: every request
 * comes from 127.0.0.1.
 */
export const startKnowledgeServer = async (
  backend: Backend,
  env: Record<string, string> = {},
  services: ServiceName[] = allServices,
  options: ServerOptions = {},
): Promise<KnowledgeTestServer> => {
  let ai: AiRuntime | undefined;
  try {
    const server = await startTestServer(backend, {
      buildApp: async (runtime) => {
        ai = await createAiComponents(runtime.config, silentLogger);
        return buildServerApp(runtime, services, { ai, ...options });
      },
      startWorkers: (runtime) => startWorkers(runtime, services, ai, options),
      env: { RATE_LIMIT_PER_MINUTE: '100000', LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000', ...env },
    });
    const aiRuntime = ai!;
    return {
      server,
      http: createHttpClient(server.baseUrl),
      baseUrl: server.baseUrl,
      ai: aiRuntime,
      async close() {
        try {
          await server.close();
        } finally {
          await aiRuntime.close();
        }
      },
    };
  } catch (error) {
    await ai?.close();
    throw error;
  }
};

// ---- fixtures -------------------------------------------------------------------------------------------

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/knowledge');

export const fixtureNames = [
  'sleep-foundations.pdf',
  'everyday-nutrition.docx',
  'couch-to-5k.md',
  'managing-stress.html',
  'building-habits.txt',
] as const;

/** The five guides and the title each one carries inside the file. */
export const guideTitles: Record<(typeof fixtureNames)[number], string> = {
  'sleep-foundations.pdf': 'Sleep Foundations',
  'everyday-nutrition.docx': 'Everyday Nutrition',
  'couch-to-5k.md': 'Couch to 5K Running Plan',
  'managing-stress.html': 'Managing Stress',
  'building-habits.txt': 'Building Habits That Stick',
};

export const readFixture = (name: string): Buffer => readFileSync(join(fixturesDir, name));

// ---- accounts --------------------------------------------------------------------------------------------

// A passphrase zxcvbn scores as strong; every account in these tests uses it.
/**
 * Signs a member in the way the app does: POST /api/auth/members/code, the six-digit code read from the mail
 * the SMTP catcher received, then POST /api/auth/members/verify. Returns the member's access token and id.
 */
export const signInMember = async (
  http: HttpClient,
  mail: { nextMailTo(address: string): Promise<{ text: string }> },
  creatorSlug: string,
  email = uniqueEmail('member'),
): Promise<{ token: string; memberId: string; email: string }> => {
  expectStatus(await http.post<Body>('/api/auth/members/code', { creatorSlug, email }), 202);
  // The code ends the first sentence; the creator's name before it may hold digits of its own.
  const code = / is (\d{6})\./.exec((await mail.nextMailTo(email)).text)?.[1];
  if (!code) throw new Error(`no sign-in code in the mail to ${email}`);
  const verified = expectStatus(
    await http.post<Body>('/api/auth/members/verify', { creatorSlug, email, code }),
    200,
  );
  return { token: verified.body.accessToken, memberId: verified.body.member.id, email };
};

// ---- knowledge -------------------------------------------------------------------------------------------

/** POST /api/hub/knowledge/documents as multipart/form-data, the way the dashboard's file input sends it. */
export const uploadDocument = async (
  baseUrl: string,
  token: string,
  file: { name: string; bytes: Uint8Array },
  fields: { folderId?: string; tags?: string } = {},
): Promise<JsonResponse<Body>> => {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
  form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
  const response = await fetch(`${baseUrl}/api/hub/knowledge/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: isJson && text ? JSON.parse(text) : { text },
  };
};

export const uploadFixture = (
  baseUrl: string,
  token: string,
  name: string,
  fields?: { folderId?: string; tags?: string },
) => uploadDocument(baseUrl, token, { name, bytes: readFixture(name) }, fields);

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export const eventually = async <T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 150));
  }
};

/** Polls GET …/documents/{id} until processing ends (ready or failed) and returns the document. */
export const waitForDocument = (http: HttpClient, token: string, id: string, timeoutMs = 90_000) =>
  eventually(
    async () => {
      const { body } = expectStatus(
        await http.get<Body>(`/api/hub/knowledge/documents/${id}`, { token }),
        200,
      );
      return body.status === 'ready' || body.status === 'failed' ? body : undefined;
    },
    { timeoutMs, what: `document ${id} to finish processing` },
  );

/** Uploads a fixture and waits until it is ready; returns the document. */
export const ingestFixture = async (
  knowledge: KnowledgeTestServer,
  token: string,
  name: string,
  fields?: { folderId?: string; tags?: string },
): Promise<Body> => {
  const upload = expectStatus(await uploadFixture(knowledge.baseUrl, token, name, fields), 202);
  const document = await waitForDocument(knowledge.http, token, upload.body.id);
  if (document.status !== 'ready') throw new Error(`${name} ended ${document.status}: ${document.error}`);
  return document;
};

export const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

// ---- server-sent events ------------------------------------------------------------------------------------

/** One server-sent event; `receivedAt` is `performance.now()` when it was parsed (for latency figures). */
export type SseEvent = { event: string; data: string; id?: string; receivedAt: number };

/**
 * An open server-sent-events response read as it arrives. `until` resolves with every event received so far
 * once `isLast` accepts one; `close` aborts the request.
 */
export type SseStream = {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  until(isLast: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
};

export const openSse = async (
  url: string,
  init: { method?: string; token: string; body?: unknown },
): Promise<SseStream> => {
  const abort = new AbortController();
  const headers: Record<string, string> = {
    authorization: `Bearer ${init.token}`,
    accept: 'text/event-stream',
  };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  let isEnded = false;
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(bytes, { stream: true });
        let boundary = buffer.indexOf('\n\n');
        while (boundary !== -1) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event: SseEvent = { event: 'message', data: '', receivedAt: performance.now() };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event:')) event.event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
            else if (line.startsWith('id:')) event.id = line.slice(3).trim();
          }
          if (data.length > 0) {
            event.data = data.join('\n');
            events.push(event);
          }
          notify();
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      isEnded = true;
      notify();
    }
  })();
  ended.catch(() => {});
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    ended,
    until(isLast, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.some(isLast)) {
            cleanup();
            resolve([...events]);
          } else if (isEnded) {
            cleanup();
            reject(new Error(`the stream ended first; events: ${JSON.stringify(events).slice(0, 2000)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; events: ${JSON.stringify(events).slice(0, 2000)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
};
