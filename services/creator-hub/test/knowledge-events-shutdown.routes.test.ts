import { backends } from '@companero/testing/backends';
import { type Creator, registerCreator } from '@companero/testing/creator-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubTestServer, startHubServer } from './hub-test-server';

describe.each(backends())('knowledge event streams at shutdown on $name', (backend) => {
  let hub: HubTestServer;
  let owner: Creator;
  let isClosed = false;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    owner = await registerCreator(hub.http, 'events-shutdown');
  });
  afterAll(async () => {
    if (!isClosed) await hub?.close();
  });

  it('ends open streams when the server closes, instead of holding the shutdown', async () => {
    const response = await fetch(`${hub.server.baseUrl}/api/hub/knowledge/events`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    while (!received.includes(': connected')) received += decoder.decode((await reader.read()).value);
    const startedAt = Date.now();
    await hub.close();
    isClosed = true;
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    let isDone = false;
    while (!isDone) isDone = (await reader.read()).done;
  });
});
