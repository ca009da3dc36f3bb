import type { FakeRequest } from './fake-api';

/**
 * A `text/event-stream` answer the test writes to as it goes: `send` one event, `comment` a keep-alive, `close`
 * the connection. It closes by itself when the request is aborted, like a real connection.
 */
export const createEventStream = (request?: FakeRequest) => {
  const encoder = new TextEncoder();
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let isClosed = false;
  const body = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController;
    },
  });
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    controller?.close();
  };
  request?.signal?.addEventListener('abort', () => {
    if (isClosed) return;
    isClosed = true;
    controller?.error(new DOMException('The request was aborted.', 'AbortError'));
  });
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    write(text: string) {
      if (!isClosed) controller?.enqueue(encoder.encode(text));
    },
    send(event: string, data: unknown) {
      if (!isClosed)
        controller?.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    },
    close,
    get isClosed() {
      return isClosed;
    },
  };
};

export type FakeEventStream = ReturnType<typeof createEventStream>;

type XhrReply = { status: number; body?: unknown; headers?: Record<string, string> };

export type FakeUpload = {
  url: string;
  headers: Record<string, string>;
  form: FormData;
  file: File | null;
  /** Reports `fraction` (0..1) of the file's bytes as sent. */
  progress(fraction: number): void;
  /** Answers the request (after which `load` fires). */
  respond(reply: XhrReply): void;
  fail(): void;
};

/**
 * A stand-in for XMLHttpRequest as the upload helper uses it: each `send` becomes a `FakeUpload` the test drives
 * (progress, then an answer), or `onSend` answers at once.
 */
export const createFakeXhr = (onSend?: (upload: FakeUpload) => void) => {
  const uploads: FakeUpload[] = [];
  class FakeXhr {
    status = 0;
    responseText = '';
    private method = '';
    private url = '';
    private headers: Record<string, string> = {};
    private responseHeaders: Record<string, string> = {};
    private listeners = new Map<string, ((event: unknown) => void)[]>();
    private uploadListeners = new Map<string, ((event: unknown) => void)[]>();
    private isDone = false;
    upload = {
      addEventListener: (type: string, listener: (event: unknown) => void) => {
        this.uploadListeners.set(type, [...(this.uploadListeners.get(type) ?? []), listener]);
      },
    };
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    }
    addEventListener(type: string, listener: (event: unknown) => void) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }
    getResponseHeader(name: string) {
      return this.responseHeaders[name.toLowerCase()] ?? null;
    }
    abort() {
      if (this.isDone) return;
      this.isDone = true;
      for (const listener of this.listeners.get('abort') ?? []) listener({});
    }
    send(form: FormData) {
      const file = form.get('file');
      const size = file instanceof File ? file.size : 0;
      const upload: FakeUpload = {
        url: this.url,
        headers: { ...this.headers },
        form,
        file: file instanceof File ? file : null,
        progress: (fraction) => {
          if (this.isDone) return;
          for (const listener of this.uploadListeners.get('progress') ?? [])
            listener({ loaded: Math.round(size * fraction), total: size, lengthComputable: true });
        },
        respond: (reply) => {
          if (this.isDone) return;
          this.isDone = true;
          this.status = reply.status;
          this.responseText = reply.body === undefined ? '' : JSON.stringify(reply.body);
          this.responseHeaders = {
            'content-type': reply.status >= 400 ? 'application/problem+json' : 'application/json',
            ...reply.headers,
          };
          for (const listener of this.listeners.get('load') ?? []) listener({});
        },
        fail: () => {
          if (this.isDone) return;
          this.isDone = true;
          for (const listener of this.listeners.get('error') ?? []) listener({});
        },
      };
      void this.method;
      uploads.push(upload);
      onSend?.(upload);
    }
  }
  return { FakeXhr: FakeXhr as unknown as typeof XMLHttpRequest, uploads };
};

/** A problem+json body like the server's. */
export const problemBody = (status: number, detail: string, code = 'ERROR') => ({
  type: 'about:blank',
  title: 'Error',
  status,
  detail,
  code,
});
