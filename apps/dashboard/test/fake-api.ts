import { vi } from 'vitest';

export type FakeRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | null;
  accept: string | null;
  signal: AbortSignal | null;
};

/** `raw` answers with that Response as it is (a streamed body, for server-sent events). */
type Reply = { status?: number; body?: unknown; headers?: Record<string, string>; raw?: Response };
type Handler = (request: FakeRequest, params: Record<string, string>) => Reply | Promise<Reply>;

const problem = (status: number, detail: string, extra: Record<string, unknown> = {}) => ({
  status,
  body: { type: 'about:blank', title: 'Error', status, detail, code: 'ERROR', ...extra },
  headers: { 'content-type': 'application/problem+json' },
});

export const reply = {
  json: (body: unknown, status = 200): Reply => ({ status, body }),
  raw: (response: Response): Reply => ({ raw: response }),
  noContent: (): Reply => ({ status: 204 }),
  problem,
};

/**
 * A stand-in for the Compañero API behind `fetch`: routes like `GET /api/hub/members/:id`, every request
 * recorded, unknown routes answered 404 problem+json like the real server.
 */
export const createFakeApi = (routes: Record<string, Handler>) => {
  const calls: FakeRequest[] = [];
  const compiled = Object.entries(routes).map(([key, handler]) => {
    const [method, pattern] = key.split(' ') as [string, string];
    const names: string[] = [];
    const regex = new RegExp(
      `^${pattern.replace(/[.]/g, '\\.').replace(/:([a-zA-Z]+)/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    return { method, regex, names, handler };
  });

  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    let body: unknown;
    if (init?.body instanceof FormData) body = init.body;
    else if (typeof init?.body === 'string') body = JSON.parse(init.body);
    const request: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      body,
      authorization: headers.get('authorization'),
      accept: headers.get('accept'),
      signal: init?.signal ?? null,
    };
    calls.push(request);
    for (const route of compiled) {
      if (route.method !== method) continue;
      const match = route.regex.exec(url.pathname);
      if (!match) continue;
      const params = Object.fromEntries(
        route.names.map((name, index) => [name, decodeURIComponent(match[index + 1]!)]),
      );
      const result = await route.handler(request, params);
      if (result.raw) return result.raw;
      const status = result.status ?? 200;
      if (status === 204) return new Response(null, { status });
      return new Response(result.body === undefined ? null : JSON.stringify(result.body), {
        status,
        headers: { 'content-type': 'application/json', ...result.headers },
      });
    }
    const notFound = problem(404, `No route for ${method} ${url.pathname}.`);
    return new Response(JSON.stringify(notFound.body), { status: 404, headers: notFound.headers });
  });

  return {
    fetch,
    calls,
    callsTo: (method: string, path: string) =>
      calls.filter((call) => call.method === method && call.path === path),
  };
};
