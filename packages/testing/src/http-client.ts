export type JsonResponse<Body = Record<string, unknown>> = { status: number; headers: Headers; body: Body };

/** A small fetch wrapper for route tests: JSON in, JSON (or text) out, never throws on 4xx/5xx. */
export const createHttpClient = (baseUrl: string) => {
  const request = async <Body = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<JsonResponse<Body>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = JSON.stringify(options.body);
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: body as Body };
  };
  return {
    request,
    get: <Body = Record<string, unknown>>(path: string, options?: Parameters<typeof request>[2]) =>
      request<Body>('GET', path, options),
    post: <Body = Record<string, unknown>>(
      path: string,
      body?: unknown,
      options?: Parameters<typeof request>[2],
    ) => request<Body>('POST', path, { ...options, body }),
    patch: <Body = Record<string, unknown>>(
      path: string,
      body?: unknown,
      options?: Parameters<typeof request>[2],
    ) => request<Body>('PATCH', path, { ...options, body }),
    delete: <Body = Record<string, unknown>>(
      path: string,
      body?: unknown,
      options?: Parameters<typeof request>[2],
    ) => request<Body>('DELETE', path, { ...options, body }),
  };
};

export type HttpClient = ReturnType<typeof createHttpClient>;
