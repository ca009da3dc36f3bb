import { ZUploadDocumentResponse } from '@companero/contracts/creator-hub/knowledge';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/api-client';
import { ApiError } from '../src/api/api-error';
import { createTokenStore } from '../src/api/token-store';
import { uploadWithProgress } from '../src/api/upload-with-progress';
import { createFakeApi, reply } from './fake-api';
import { createFakeXhr, problemBody } from './fake-streams';
import { tokenPair } from './test-session';

const documentId = '44444444-4444-4444-8444-444444444444';

const setUp = (routes: Parameters<typeof createFakeApi>[0] = {}) => {
  const api = createFakeApi(routes);
  const tokens = createTokenStore(window.localStorage);
  tokens.set(tokenPair());
  const client = createApiClient({ tokens, fetch: api.fetch as typeof fetch, locks: null });
  return { api, tokens, client };
};

const formWith = (size = 1000) => {
  const form = new FormData();
  form.append('file', new File([new Uint8Array(size)], 'sleep.pdf', { type: 'application/pdf' }));
  return form;
};

const failureOf = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('expected the upload to fail');
};

describe('uploads with byte progress', () => {
  it('sends the access token and reports the bytes sent, then parses the answer', async () => {
    const { client, tokens } = setUp();
    const { FakeXhr, uploads } = createFakeXhr();
    const progress: { loaded: number; total: number | null }[] = [];
    const done = uploadWithProgress(client, '/api/hub/knowledge/documents', {
      form: formWith(1000),
      schema: ZUploadDocumentResponse,
      onProgress: (value) => progress.push(value),
      createRequest: () => new FakeXhr(),
    });
    await expect.poll(() => uploads.length).toBe(1);
    const [upload] = uploads;
    expect(upload?.url).toBe('/api/hub/knowledge/documents');
    expect(upload?.headers.authorization).toBe(`Bearer ${tokens.getAccessToken()}`);
    upload?.progress(0.25);
    upload?.progress(1);
    upload?.respond({ status: 202, body: { id: documentId, status: 'queued' } });
    await expect(done).resolves.toEqual({ id: documentId, status: 'queued' });
    expect(progress).toEqual([
      { loaded: 250, total: 1000 },
      { loaded: 1000, total: 1000 },
    ]);
  });

  it('refreshes the session once on a 401 and sends the file again with the new token', async () => {
    const fresh = tokenPair();
    const { client, api } = setUp({ 'POST /api/auth/refresh': () => reply.json(fresh) });
    const { FakeXhr, uploads } = createFakeXhr((upload) => {
      queueMicrotask(() =>
        upload.headers.authorization === `Bearer ${fresh.accessToken}`
          ? upload.respond({ status: 202, body: { id: documentId, status: 'queued' } })
          : upload.respond({ status: 401, body: problemBody(401, 'The access token expired.') }),
      );
    });
    const result = await uploadWithProgress(client, '/api/hub/knowledge/documents', {
      form: formWith(),
      createRequest: () => new FakeXhr(),
    });
    expect(result).toEqual({ id: documentId, status: 'queued' });
    expect(uploads).toHaveLength(2);
    expect(api.callsTo('POST', '/api/auth/refresh')).toHaveLength(1);
  });

  it('ends with the 401 when the session cannot be refreshed', async () => {
    const { client, tokens } = setUp({
      'POST /api/auth/refresh': () => reply.problem(401, 'The refresh token was already used.'),
    });
    const { FakeXhr } = createFakeXhr((upload) =>
      queueMicrotask(() => upload.respond({ status: 401, body: problemBody(401, 'Expired.') })),
    );
    const error = await failureOf(
      uploadWithProgress(client, '/x', { form: formWith(), createRequest: () => new FakeXhr() }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(tokens.getSnapshot()).toEqual({ status: 'signed-out', reason: 'expired' });
  });

  it('turns a problem answer into a readable error with the server’s detail', async () => {
    const { client } = setUp();
    const { FakeXhr } = createFakeXhr((upload) =>
      queueMicrotask(() =>
        upload.respond({
          status: 409,
          body: problemBody(409, 'This file is already in the knowledge base as "Sleep".', 'CONFLICT'),
          headers: { 'x-request-id': 'req-1' },
        }),
      ),
    );
    const error = (await failureOf(
      uploadWithProgress(client, '/x', { form: formWith(), createRequest: () => new FakeXhr() }),
    )) as ApiError;
    expect([error.status, error.code, error.message, error.requestId]).toEqual([
      409,
      'CONFLICT',
      'This file is already in the knowledge base as "Sleep".',
      'req-1',
    ]);
  });

  it('reports a dropped connection as a network error, and a cancelled upload as an abort', async () => {
    const { client } = setUp();
    const failing = createFakeXhr((upload) => queueMicrotask(() => upload.fail()));
    const network = (await failureOf(
      uploadWithProgress(client, '/x', { form: formWith(), createRequest: () => new failing.FakeXhr() }),
    )) as ApiError;
    expect([network.status, network.code]).toEqual([0, 'NETWORK']);

    const held = createFakeXhr();
    const cancel = new AbortController();
    const upload = uploadWithProgress(client, '/x', {
      form: formWith(),
      signal: cancel.signal,
      createRequest: () => new held.FakeXhr(),
    });
    await expect.poll(() => held.uploads.length).toBe(1);
    cancel.abort();
    const aborted = await failureOf(upload);
    expect((aborted as DOMException).name).toBe('AbortError');
  });
});
