import { ZJwks } from '@companero/contracts/auth/login';
import type { HttpApp } from '@companero/core/http/create-http-app';
import type { AuthServices } from '../auth-services';

/** The public keys that verify access tokens, at the standard path and under /api/auth. */
export const jwksRoutes = async (app: HttpApp, { services }: { services: AuthServices }) => {
  for (const url of ['/.well-known/jwks.json', '/api/auth/jwks.json']) {
    app.get(
      url,
      {
        schema: { tags: ['auth'], summary: 'JSON Web Key Set (RS256 public keys)', response: { 200: ZJwks } },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=60');
        return services.keys.jwks();
      },
    );
  }
};
