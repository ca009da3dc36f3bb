import { createHmac, randomBytes } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import { isPrivateAddress } from '@companero/core/http/private-address';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import type { ProgramWebhookPoster } from '../engine/ports';
import { webhookSecretRepository } from '../repositories/webhook-secret.repository';

export const webhookSignatureHeader = 'Companero-Signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, the scheme docs/api.md tells receivers to verify. */
export const signWebhookBody = (secret: string, body: string, timestamp: number) =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

export class WebhookRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRefusedError';
  }
}

/**
 * Refuses private, loopback and link-local addresses at connect time, after DNS: checking the URL before the
 * request would let a hostname that resolves differently the second time (DNS rebinding) through.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    const refused = list.find((entry) => isPrivateAddress(entry.address));
    if (refused || list.length === 0)
      return callback(
        new WebhookRefusedError(`${hostname} resolves to a private address (${refused?.address ?? 'none'})`),
        '',
        0,
      );
    if ((options as LookupOptions).all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

const post = (
  url: URL,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
  timeoutMs: number,
) =>
  new Promise<number>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: allowPrivate ? undefined : publicOnlyLookup,
        timeout: timeoutMs,
      },
      (response) => {
        response.resume(); // the answer's body is not used: drain it so the socket is freed
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });

/**
 * Program webhook nodes: a JSON POST signed with the creator's webhook secret (made on first use; the creator
 * rotates it to see it), with the step's idempotency key. Redirects are not followed; non-2xx answers throw
 * so the step job retries.
 */
export const createProgramWebhookSender = (deps: {
  db: TenantDatabase;
  secretBox: SecretBox;
  allowPrivate: boolean;
  timeoutMs?: number;
  now?: () => Date;
}): ProgramWebhookPoster => {
  const secretFor = (creatorId: string) =>
    withTenant(deps.db, creatorId, async (tx) => {
      const stored = await webhookSecretRepository.get(tx);
      if (stored) return deps.secretBox.decrypt(stored);
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      return deps.secretBox.decrypt(
        await webhookSecretRepository.setIfAbsent(tx, deps.secretBox.encrypt(secret)),
      );
    });

  return async ({ creatorId, url, idempotencyKey, body }) => {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:')
      throw new WebhookRefusedError(`unsupported protocol ${target.protocol}`);
    if (!deps.allowPrivate && isPrivateAddress(target.hostname.replace(/^\[|\]$/g, '')))
      throw new WebhookRefusedError(`${target.hostname} is a private address`);
    const json = JSON.stringify(body);
    const timestamp = Math.floor((deps.now?.() ?? new Date()).getTime() / 1000);
    const status = await post(
      target,
      json,
      {
        'content-type': 'application/json',
        'user-agent': 'Companero-Webhooks/1',
        'idempotency-key': idempotencyKey,
        [webhookSignatureHeader.toLowerCase()]: signWebhookBody(await secretFor(creatorId), json, timestamp),
      },
      deps.allowPrivate,
      deps.timeoutMs ?? 10_000,
    );
    if (status < 200 || status >= 300) throw new Error(`the webhook answered ${status}`);
    return { status };
  };
};
