import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backends } from '@companero/testing/backends';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  teammateToken,
} from '@companero/testing/creator-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgramWebhookSender, WebhookRefusedError } from '../src/senders/program-webhook.sender';
import { type HubTestServer, startHubServer } from './hub-test-server';

type Received = { headers: IncomingHttpHeaders; body: string };

/** A creator's webhook receiver: keeps what arrives, answers with the status the test sets. */
const startReceiver = async () => {
  const received: Received[] = [];
  let status = 200;
  const server: Server = createServer(async (request, response) => {
    let body = '';
    for await (const part of request) body += String(part);
    received.push({ headers: request.headers, body });
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/companero`,
    received,
    answer(next: number) {
      status = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const verify = (secret: string, header: string, body: string) => {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  return createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex') === parts.v1;
};

describe.each(backends())('program webhook calls on $name', (backend) => {
  let hub: HubTestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let owner: Creator;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    receiver = await startReceiver();
    owner = await registerCreator(hub.http, 'webhooks');
  });
  afterAll(async () => {
    await hub?.close();
    await receiver?.close();
  });

  const sender = (allowPrivate: boolean) =>
    createProgramWebhookSender({
      db: hub.server.runtime.db,
      secretBox: hub.server.runtime.secretBox,
      allowPrivate,
    });

  it('signs the JSON body with the secret an admin rotated, and sends the idempotency key', async () => {
    const { body } = expectStatus(
      await hub.http.post<Body>('/api/hub/programs/settings/webhook-secret', {}, { token: owner.token }),
      201,
    );
    expect(body.secret).toMatch(/^whsec_/);
    const payload = { event: 'program.step', nodeId: 'notify', answers: { mood: 'Great' } };
    await sender(true)({
      creatorId: owner.creatorId,
      url: receiver.url,
      idempotencyKey: 'enrollment-1:4',
      body: payload,
    });
    const call = receiver.received.at(-1)!;
    expect(JSON.parse(call.body)).toEqual(payload);
    expect(call.headers['idempotency-key']).toBe('enrollment-1:4');
    expect(call.headers['content-type']).toBe('application/json');
    expect(verify(body.secret, String(call.headers['companero-signature']), call.body)).toBe(true);
    expect(verify('whsec_other', String(call.headers['companero-signature']), call.body)).toBe(false);
  });

  it('makes a secret on first use when none was rotated, and keeps using it', async () => {
    const fresh = await registerCreator(hub.http, 'webhooks-fresh');
    const send = sender(true);
    await send({ creatorId: fresh.creatorId, url: receiver.url, idempotencyKey: 'a:1', body: { n: 1 } });
    await send({ creatorId: fresh.creatorId, url: receiver.url, idempotencyKey: 'a:2', body: { n: 2 } });
    const [first, second] = receiver.received.slice(-2);
    expect(first!.headers['companero-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const secret = expectStatus(
      await hub.http.post<Body>('/api/hub/programs/settings/webhook-secret', {}, { token: fresh.token }),
      201,
    ).body.secret;
    // The rotated secret replaces the one made on first use: the old signatures no longer verify with it.
    expect(verify(secret, String(second!.headers['companero-signature']), second!.body)).toBe(false);
  });

  it('refuses loopback and private addresses unless allowed, by name after DNS as well as by IP', async () => {
    const strict = sender(false);
    const call = (url: string) =>
      strict({ creatorId: owner.creatorId, url, idempotencyKey: 'x:1', body: {} });
    const before = receiver.received.length;
    await expect(call(receiver.url)).rejects.toBeInstanceOf(WebhookRefusedError);
    await expect(call(receiver.url.replace('127.0.0.1', 'localhost'))).rejects.toBeInstanceOf(
      WebhookRefusedError,
    );
    await expect(call('http://10.1.2.3/hook')).rejects.toBeInstanceOf(WebhookRefusedError);
    await expect(call('http://[::1]/hook')).rejects.toBeInstanceOf(WebhookRefusedError);
    expect(receiver.received.length).toBe(before);
  });

  it('throws on a non-2xx answer so the step is retried', async () => {
    receiver.answer(503);
    try {
      await expect(
        sender(true)({ creatorId: owner.creatorId, url: receiver.url, idempotencyKey: 'y:1', body: {} }),
      ).rejects.toThrow('the webhook answered 503');
    } finally {
      receiver.answer(200);
    }
  });

  it('lets only admins rotate the secret', async () => {
    const editor = await teammateToken(hub.http, owner, 'editor');
    const refused = await hub.http.post<Body>(
      '/api/hub/programs/settings/webhook-secret',
      {},
      { token: editor },
    );
    expect(refused.status).toBe(403);
  });
});
