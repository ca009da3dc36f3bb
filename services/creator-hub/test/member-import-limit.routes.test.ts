import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Body, type Creator, expectStatus, registerCreator, uploadMembersCsv } from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

const maxBytes = 2048;

const csvOf = (rows: number) =>
  [
    'name,email',
    ...Array.from({ length: rows }, (_, index) => `Member ${index},member${index}@example.com`),
  ].join('\n');

describe.each(backends())('creator hub member import size limit on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let creator: Creator;

  beforeAll(async () => {
    hub = await startHubServer(backend, { MEMBER_IMPORT_MAX_BYTES: String(maxBytes) });
    ({ server, http } = hub);
    creator = await registerCreator(http, 'limit');
  });
  afterAll(async () => hub?.close());

  const memberCount = async () =>
    (
      expectStatus(await http.get<Body>('/api/hub/members?limit=200', { token: creator.token }), 200).body
        .items as Body[]
    ).length;

  it('answers 413 for a file over MEMBER_IMPORT_MAX_BYTES and imports nothing from it', async () => {
    const file = csvOf(200);
    expect(Buffer.byteLength(file)).toBeGreaterThan(maxBytes);
    const response = await uploadMembersCsv(server.baseUrl, creator.token, file);
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await memberCount()).toBe(0);
  });

  it('imports a file just under the limit', async () => {
    const file = csvOf(50);
    expect(Buffer.byteLength(file)).toBeLessThan(maxBytes);
    const response = expectStatus(await uploadMembersCsv(server.baseUrl, creator.token, file), 200);
    expect(response.body).toEqual({ imported: 50, updated: 0, rejected: [] });
    expect(await memberCount()).toBe(50);
  });
});
