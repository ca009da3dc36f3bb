import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { HttpApp } from '@companero/core/http/create-http-app';

/**
 * `GET /widget.js`: the embeddable widget, from any site (CORS and CORP open), compressed when the client
 * accepts it. Its URL is stable, so caches revalidate after five minutes with the ETag.
 */
export const widgetScriptRoute = async (app: HttpApp, { file }: { file: string }) => {
  const load = async () => {
    const info = await stat(file);
    const variants = {
      identity: await readFile(file),
      br: existsSync(`${file}.br`) ? await readFile(`${file}.br`) : null,
      gzip: existsSync(`${file}.gz`) ? await readFile(`${file}.gz`) : null,
    };
    return {
      etag: `"${info.size.toString(36)}-${info.mtimeMs.toString(36)}"`,
      mtimeMs: info.mtimeMs,
      variants,
    };
  };
  let cached: Awaited<ReturnType<typeof load>> | null = null;

  app.get(
    '/widget.js',
    { schema: { tags: ['channels'], summary: 'The embeddable chat widget script', hide: false } },
    async (request, reply) => {
      if (!existsSync(file)) {
        request.log.warn({ file }, 'widget.js is not built');
        return reply.code(404).type('application/problem+json').send({
          type: 'https://companero.dev/problems/not-found',
          title: 'Not found',
          status: 404,
          detail: 'The widget is not built. Run `npm run build -w @companero/widget`.',
          code: 'NOT_FOUND',
        });
      }
      const current = await stat(file);
      if (!cached || cached.mtimeMs !== current.mtimeMs) cached = await load();
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300, must-revalidate')
        .header('etag', cached.etag)
        .header('vary', 'accept-encoding')
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin');
      if (request.headers['if-none-match'] === cached.etag) return reply.code(304).send();
      const accepts = String(request.headers['accept-encoding'] ?? '');
      if (cached.variants.br && /\bbr\b/.test(accepts))
        return reply.header('content-encoding', 'br').send(cached.variants.br);
      if (cached.variants.gzip && /\bgzip\b/.test(accepts))
        return reply.header('content-encoding', 'gzip').send(cached.variants.gzip);
      return reply.send(cached.variants.identity);
    },
  );
};
