import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, as the provider would see it. */
export type GraphRequest = {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
  /** The status the fake answered. */
  status: number;
  at: number;
};

export type GraphFailure = 'rate-limited' | 'server-error' | 'invalid-parameter' | 'outside-window';

type PhoneNumber = { accessToken: string };

// Meta's error bodies (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
const errorBodies: Record<GraphFailure, { status: number; error: Record<string, unknown> }> = {
  'rate-limited': {
    status: 429,
    error: {
      message: '(#130429) Rate limit hit',
      type: 'OAuthException',
      code: 130429,
      error_data: {
        messaging_product: 'whatsapp',
        details: 'Cloud API message throughput has been reached.',
      },
    },
  },
  'server-error': {
    status: 500,
    error: {
      message: 'An unknown error has occurred.',
      type: 'OAuthException',
      code: 1,
      is_transient: true,
    },
  },
  'invalid-parameter': {
    status: 400,
    error: {
      message: '(#100) Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_data: { messaging_product: 'whatsapp', details: 'Parameter value is not valid' },
    },
  },
  'outside-window': {
    status: 400,
    error: {
      message: '(#131047) Re-engagement message',
      type: 'OAuthException',
      code: 131047,
      error_data: {
        messaging_product: 'whatsapp',
        details:
          'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      },
    },
  },
};

const wamid = () => `wamid.${randomBytes(24).toString('base64url')}`;

/** What Meta checks in a send request, reduced to what Compañero sends (text, reply buttons, templates). */
const problemsWith = (body: any): string | null => {
  if (!body || typeof body !== 'object') return 'body is not a JSON object';
  if (body.messaging_product !== 'whatsapp') return 'messaging_product must be "whatsapp"';
  if (typeof body.to !== 'string' || !/^\+?\d{5,20}$/.test(body.to)) return 'to must be a phone number';
  if (body.type === 'text') {
    const text = body.text?.body;
    if (typeof text !== 'string' || text.length === 0) return 'text.body is required';
    if (text.length > 4096) return 'text.body is longer than 4096 characters';
    return null;
  }
  if (body.type === 'interactive') {
    const buttons = body.interactive?.action?.buttons;
    if (body.interactive?.type !== 'button' || !Array.isArray(buttons))
      return 'interactive.type must be button';
    if (buttons.length < 1 || buttons.length > 3) return 'between 1 and 3 buttons';
    if (buttons.some((button: any) => !button.reply?.title || button.reply.title.length > 20))
      return 'button titles are 1 to 20 characters';
    if (typeof body.interactive.body?.text !== 'string' || body.interactive.body.text.length > 1024)
      return 'interactive.body.text is 1 to 1024 characters';
    return null;
  }
  if (body.type === 'template') {
    if (typeof body.template?.name !== 'string') return 'template.name is required';
    if (typeof body.template?.language?.code !== 'string') return 'template.language.code is required';
    return null;
  }
  return `unsupported message type ${String(body.type)}`;
};

/**
 * A local stand-in for the WhatsApp Cloud API's send endpoint, `POST /{version}/{phoneNumberId}/messages`:
 * checks the version, the phone number id and the `Bearer` token the way Graph does, answers Meta-shaped
 * bodies (`wamid…` ids, OAuthException errors), records every request, and can be told to fail the next calls.
 */
export const startFakeGraphApi = async () => {
  const phoneNumbers = new Map<string, PhoneNumber>();
  const requests: GraphRequest[] = [];
  const failures: GraphFailure[] = [];

  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const fbError = (error: Record<string, unknown>) => ({
    error: { ...error, fbtrace_id: randomBytes(8).toString('base64url') },
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://graph.local').pathname;
    const text = await readBody(request);
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const authorization = request.headers.authorization;
    const record = (status: number) =>
      requests.push({ method: request.method ?? '', path, authorization, body, status, at: Date.now() });

    const match = /^\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(path);
    const phoneNumber = match ? phoneNumbers.get(match[2]!) : undefined;
    if (request.method !== 'POST' || !match) {
      record(400);
      return answer(
        response,
        400,
        fbError({ message: 'Unknown path components', type: 'OAuthException', code: 2500 }),
      );
    }
    if (!authorization?.startsWith('Bearer ') || !phoneNumber) {
      record(401);
      return answer(
        response,
        401,
        fbError({
          message: 'Invalid OAuth access token - Cannot parse access token',
          type: 'OAuthException',
          code: 190,
        }),
      );
    }
    if (authorization !== `Bearer ${phoneNumber.accessToken}`) {
      record(401);
      return answer(
        response,
        401,
        fbError({ message: 'Error validating access token', type: 'OAuthException', code: 190 }),
      );
    }
    const failure = failures.shift();
    if (failure) {
      const { status, error } = errorBodies[failure];
      record(status);
      return answer(response, status, fbError(error));
    }
    const problem = problemsWith(body);
    if (problem) {
      record(400);
      return answer(
        response,
        400,
        fbError({
          message: '(#100) Invalid parameter',
          type: 'OAuthException',
          code: 100,
          error_data: { messaging_product: 'whatsapp', details: problem },
        }),
      );
    }
    record(200);
    const to = (body as { to: string }).to;
    answer(response, 200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }],
      messages: [{ id: wamid() }],
    });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    /** What a connection's `apiBaseUrl` should be. */
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** Registers a business phone number and the access token that may send from it. */
    addPhoneNumber(phoneNumberId: string, accessToken: string) {
      phoneNumbers.set(phoneNumberId, { accessToken });
    },
    /** The next `count` well-authenticated sends fail this way (in order, after those queued before). */
    failNext(count: number, failure: GraphFailure) {
      for (let index = 0; index < count; index += 1) failures.push(failure);
    },
    /** Sends (answered or not) to one recipient. */
    sentTo(waId: string) {
      return requests.filter((request) => request.body?.to === waId);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export type FakeGraphApi = Awaited<ReturnType<typeof startFakeGraphApi>>;
