import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier, type TokenVerifier } from '@companero/core/auth/token-verifier';
import { AppError } from '@companero/core/errors/app-error';
import { type JSONWebKeySet, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audience,
  createSigningKey,
  issuer,
  memberClaims,
  type SigningKey,
  staffClaims,
} from './token-fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rejectionOf = async (verifier: TokenVerifier, token: string): Promise<AppError> => {
  try {
    await verifier.verify(token);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
};

/** Replaces one character in the middle of the signature, keeping it valid base64url. */
const tamperSignature = (token: string): string => {
  const [header, payload, signature] = token.split('.');
  const middle = Math.floor(signature!.length / 2);
  const replacement = signature![middle] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature!.slice(0, middle)}${replacement}${signature!.slice(middle + 1)}`;
};

describe('createTokenVerifier with a local key set', () => {
  let key: SigningKey;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    key = await createSigningKey();
    verifier = createTokenVerifier({
      source: { kind: 'local', load: async () => ({ keys: [key.publicJwk] }) },
      issuer,
      audience,
    });
  });

  it('accepts a valid RS256 staff token and returns its claims', async () => {
    const claims = staffClaims('editor');
    const verified = await verifier.verify(await key.sign(claims));
    expect(verified).toEqual(claims);
  });

  it('accepts a valid member token', async () => {
    const claims = memberClaims();
    expect(await verifier.verify(await key.sign(claims))).toEqual(claims);
  });

  it('refuses an expired token as 401 INVALID_TOKEN saying it expired', async () => {
    const token = await key.sign(staffClaims(), { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const error = await rejectionOf(verifier, token);
    expect(error.code).toBe('INVALID_TOKEN');
    expect(error.statusCode).toBe(401);
    expect(error.message).toBe('The access token has expired.');
  });

  it('refuses a token whose signature was tampered with', async () => {
    const error = await rejectionOf(verifier, tamperSignature(await key.sign(staffClaims())));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(error.statusCode).toBe(401);
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const token = await key.sign(staffClaims('viewer'));
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'owner' })).toString('base64url');
    expect((await rejectionOf(verifier, `${header}.${forged}.${signature}`)).code).toBe('INVALID_TOKEN');
  });

  it('refuses a token for another audience', async () => {
    const error = await rejectionOf(verifier, await key.sign(staffClaims(), { audience: 'another-product' }));
    expect(error.code).toBe('INVALID_TOKEN');
  });

  it('refuses a token from another issuer', async () => {
    const error = await rejectionOf(
      verifier,
      await key.sign(staffClaims(), { issuer: 'https://evil.example' }),
    );
    expect(error.code).toBe('INVALID_TOKEN');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const token = new UnsecuredJWT({ ...staffClaims() })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('15m')
      .encode();
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg).toBe('none');
    const error = await rejectionOf(verifier, token);
    expect(error.code).toBe('INVALID_TOKEN');
    expect(error.statusCode).toBe(401);
  });

  it('refuses an HS256 token signed with the public key as the HMAC secret', async () => {
    const token = await new SignJWT({ ...staffClaims() })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(new TextEncoder().encode(key.publicPem));
    const error = await rejectionOf(verifier, token);
    expect(error.code).toBe('INVALID_TOKEN');
  });

  it('refuses a validly signed token without the Compañero claims', async () => {
    const error = await rejectionOf(verifier, await key.sign({ sub: 'someone', scope: 'read' }));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(error.message).toBe('The token does not carry Compañero claims.');
  });

  it('refuses a member token claiming a staff role', async () => {
    const error = await rejectionOf(verifier, await key.sign({ ...memberClaims(), role: 'owner' }));
    expect(error.message).toBe('The token does not carry Compañero claims.');
  });

  it('refuses a string that is not a JWT', async () => {
    expect((await rejectionOf(verifier, 'not-a-jwt')).code).toBe('INVALID_TOKEN');
  });

  it('refuses a token signed by a key outside the key set', async () => {
    const stranger = await createSigningKey();
    expect((await rejectionOf(verifier, await stranger.sign(staffClaims()))).code).toBe('INVALID_TOKEN');
  });
});

describe('createTokenVerifier key rotation', () => {
  it('reloads the local key set when it meets an unknown kid, at most once a second', async () => {
    const oldKey = await createSigningKey('key-old');
    const newKey = await createSigningKey('key-new');
    let published: JSONWebKeySet = { keys: [oldKey.publicJwk] };
    let loads = 0;
    const verifier = createTokenVerifier({
      source: {
        kind: 'local',
        load: async () => {
          loads += 1;
          return published;
        },
      },
      issuer,
      audience,
    });

    const oldClaims = staffClaims();
    expect(await verifier.verify(await oldKey.sign(oldClaims))).toEqual(oldClaims);
    expect(loads).toBe(1);

    // Another process rotates the key; a token signed with it arrives within the same second: no reload yet.
    published = { keys: [oldKey.publicJwk, newKey.publicJwk] };
    const newToken = await newKey.sign(staffClaims('admin'));
    expect((await rejectionOf(verifier, newToken)).code).toBe('INVALID_TOKEN');
    expect(loads).toBe(1);

    await sleep(1100);
    expect((await verifier.verify(newToken)).role).toBe('admin');
    expect(loads).toBe(2);
    expect(await verifier.verify(await oldKey.sign(oldClaims))).toEqual(oldClaims);
    expect(loads).toBe(2);
  });

  it('still refuses a kid that is unknown after the reload', async () => {
    const key = await createSigningKey('only-key');
    const stranger = await createSigningKey('stranger-key');
    let loads = 0;
    const verifier = createTokenVerifier({
      source: {
        kind: 'local',
        load: async () => {
          loads += 1;
          return { keys: [key.publicJwk] };
        },
      },
      issuer,
      audience,
    });
    await verifier.verify(await key.sign(staffClaims()));
    await sleep(1100);
    const error = await rejectionOf(verifier, await stranger.sign(staffClaims()));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(loads).toBe(2);
  });

  it('refuses an expired token signed with a freshly rotated key', async () => {
    const first = await createSigningKey('first');
    const second = await createSigningKey('second');
    let published: JSONWebKeySet = { keys: [first.publicJwk] };
    const verifier = createTokenVerifier({
      source: { kind: 'local', load: async () => published },
      issuer,
      audience,
    });
    await verifier.verify(await first.sign(staffClaims()));
    published = { keys: [first.publicJwk, second.publicJwk] };
    await sleep(1100);
    const expired = await second.sign(staffClaims(), { expiresIn: Math.floor(Date.now() / 1000) - 5 });
    expect((await rejectionOf(verifier, expired)).message).toBe('The access token has expired.');
  });
});

describe('createTokenVerifier with a remote JWKS', () => {
  let server: Server;
  let key: SigningKey;
  let verifier: TokenVerifier;
  let requests = 0;

  beforeAll(async () => {
    key = await createSigningKey();
    // The auth service's JWKS endpoint, as another replica would fetch it.
    server = createServer((request, response) => {
      requests += 1;
      if (request.url !== '/api/auth/.well-known/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [key.publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    verifier = createTokenVerifier({
      source: { kind: 'remote', url: `http://127.0.0.1:${port}/api/auth/.well-known/jwks.json` },
      issuer,
      audience,
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('accepts a token signed by a key the JWKS endpoint publishes', async () => {
    const claims = staffClaims('viewer');
    expect(await verifier.verify(await key.sign(claims))).toEqual(claims);
    expect(requests).toBe(1);
  });

  it('refuses expired and foreign tokens as INVALID_TOKEN', async () => {
    const expired = await key.sign(staffClaims(), { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect((await rejectionOf(verifier, expired)).message).toBe('The access token has expired.');
    const stranger = await createSigningKey();
    expect((await rejectionOf(verifier, await stranger.sign(staffClaims()))).code).toBe('INVALID_TOKEN');
    expect((await rejectionOf(verifier, await key.sign({ sub: 'x' }))).message).toBe(
      'The token does not carry Compañero claims.',
    );
  });
});
