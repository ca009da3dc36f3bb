import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, forbidden } from '../errors/app-error';
import type { TAccessTokenClaims } from './access-token';
import type { MemberContext, StaffContext } from './request-context';
import { hasRoleAtLeast, type StaffRole } from './roles';
import type { TokenVerifier } from './token-verifier';

const bearerPattern = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i;

const unauthorized = (message: string) =>
  new AppError('UNAUTHORIZED', { message, headers: { 'www-authenticate': 'Bearer realm="companero"' } });

/**
 * Decorates requests with `request.claims` after verifying the bearer token, and gives routes two guards:
 * `app.requireStaff(minRole)` and `app.requireMember()`. Guards turn claims into a request context.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { verifier: TokenVerifier }) => {
    app.decorateRequest('claims', null);
    // For transports that cannot send an Authorization header (a browser's WebSocket handshake).
    app.decorate('verifyAccessToken', (token: string) => options.verifier.verify(token));

    const authenticate = async (request: FastifyRequest): Promise<TAccessTokenClaims> => {
      const header = request.headers.authorization;
      if (!header) throw unauthorized('Send an access token: Authorization: Bearer <token>.');
      const match = bearerPattern.exec(header);
      if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer <token>".');
      try {
        const claims = await options.verifier.verify(match[1]);
        request.claims = claims;
        request.log = request.log.child({ creatorId: claims.cid });
        return claims;
      } catch (error) {
        if (error instanceof AppError) {
          throw new AppError(error.code, {
            message: error.message,
            headers: { 'www-authenticate': 'Bearer realm="companero", error="invalid_token"' },
          });
        }
        throw error;
      }
    };

    app.decorate('requireStaff', (minRole: StaffRole = 'viewer') => {
      return async (request: FastifyRequest, _reply: FastifyReply) => {
        const claims = await authenticate(request);
        if (claims.typ !== 'staff') throw forbidden('This endpoint is for the creator team, not members.');
        if (!hasRoleAtLeast(claims.role, minRole)) {
          throw forbidden(`This action needs the ${minRole} role or higher; you are ${claims.role}.`);
        }
      };
    });
    app.decorate('requireSignedIn', () => {
      return async (request: FastifyRequest, _reply: FastifyReply) => {
        await authenticate(request);
      };
    });
    app.decorate('requireMember', () => {
      return async (request: FastifyRequest, _reply: FastifyReply) => {
        const claims = await authenticate(request);
        if (claims.typ !== 'member') throw forbidden('This endpoint is for members signed in to the app.');
      };
    });
  },
  { name: 'companero-auth' },
);

const baseContext = (request: FastifyRequest) => ({
  requestId: request.id,
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

/** The staff context of a request that passed `requireStaff`. */
export const staffContext = (request: FastifyRequest): StaffContext => {
  const claims = request.claims;
  if (claims?.typ !== 'staff') throw unauthorized('Authentication required.');
  return {
    ...baseContext(request),
    creatorId: claims.cid,
    actor: { type: 'account', id: claims.sub, role: claims.role },
  };
};

/** The context of a request that passed any guard, staff or member. */
export const signedInContext = (request: FastifyRequest): StaffContext | MemberContext =>
  request.claims?.typ === 'member' ? memberContext(request) : staffContext(request);

/** The member context of a request that passed `requireMember`. */
export const memberContext = (request: FastifyRequest): MemberContext => {
  const claims = request.claims;
  if (claims?.typ !== 'member') throw unauthorized('Authentication required.');
  return { ...baseContext(request), creatorId: claims.cid, actor: { type: 'member', id: claims.sub } };
};

declare module 'fastify' {
  interface FastifyRequest {
    claims: TAccessTokenClaims | null;
  }
  interface FastifyInstance {
    requireStaff(minRole?: StaffRole): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    requireMember(): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    requireSignedIn(): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    verifyAccessToken(token: string): Promise<TAccessTokenClaims>;
  }
}
