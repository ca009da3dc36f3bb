import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dashboardDir = join(repositoryRoot, 'apps/dashboard');

/** Where `npm run build -w @companero/dashboard` writes the single-page app. */
export const dashboardDistDir = join(dashboardDir, 'dist');

/**
 * Paths the dashboard never answers, so they keep their own 404/405 problem answers: the APIs, the API docs,
 * the operational endpoints, well-known documents, the widget script, and build assets (a missing hashed asset
 * after a deploy must be a 404, not an HTML page the browser would try to run).
 */
const reservedPrefixes = ['/api/', '/docs/', '/.well-known/', '/assets/'];
const reservedPaths = new Set([
  '/api',
  '/docs',
  '/openapi.json',
  '/health',
  '/ready',
  '/metrics',
  '/widget.js',
]);

const isDashboardRoute = (request: FastifyRequest): boolean => {
  const path = request.url.split('?')[0] ?? '/';
  if (reservedPaths.has(path) || reservedPrefixes.some((prefix) => path.startsWith(prefix))) return false;
  // A path whose last segment looks like a file name is a missing file, not a page.
  if ((path.split('/').pop() ?? '').includes('.')) return false;
  return (request.headers.accept ?? '').includes('text/html');
};

// Hashed file names change with their content, so they may be cached forever; index.html names the current
// hashes and must be revalidated on every load so a deploy takes effect at once.
const setCacheHeaders = (response: { setHeader(name: string, value: string): unknown }, filePath: string) => {
  const normalized = filePath.split('\\').join('/');
  // The same URL answers brotli, gzip or plain bytes (`preCompressed`): caches must key on Accept-Encoding.
  response.setHeader('vary', 'accept-encoding');
  if (normalized.includes('/assets/'))
    response.setHeader('cache-control', 'public, max-age=31536000, immutable');
  else if (normalized.endsWith('/index.html')) response.setHeader('cache-control', 'no-cache');
  else response.setHeader('cache-control', 'public, max-age=3600');
};

export type DashboardPluginOptions = { distDir?: string };

/**
 * Serves the built creator dashboard at `/`: its files, and index.html for every other GET that asks for a
 * page (client-side routes such as /members/42), leaving the API and operational paths to their own routes
 * and to the app's 404/405 problem answers. Without a build it registers nothing and says so.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const root = options.distDir ?? dashboardDistDir;
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn(
      { distDir: root },
      'The dashboard is not built, so / serves nothing. Run `npm run build -w @companero/dashboard`.',
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file (listed at start-up) instead of a catch-all, so the SPA fallback below decides
    // what every other GET gets.
    wildcard: false,
    index: false,
    preCompressed: true,
    cacheControl: false,
    globIgnore: ['**/*.br', '**/*.gz'],
    setHeaders: setCacheHeaders,
    schemaHide: true,
  });

  const sendIndex = (reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) =>
    isDashboardRoute(request) ? sendIndex(reply) : reply.callNotFound(),
  );
};

const newestModification = (path: string): number => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestModification(join(path, entry)));
  return newest;
};

/** True when a source of the dashboard (or a contract it imports) changed after the last build. */
export const isDashboardBuildStale = (): boolean => {
  const builtAt = newestModification(join(dashboardDistDir, 'index.html'));
  const sources = [
    join(dashboardDir, 'src'),
    join(dashboardDir, 'index.html'),
    join(dashboardDir, 'vite.config.ts'),
    join(dashboardDir, 'package.json'),
    join(repositoryRoot, 'packages/contracts/src'),
  ];
  return sources.some((source) => newestModification(source) > builtAt);
};

let build: Promise<void> | null = null;

const runBuild = (log: (line: string) => void, reason: string): Promise<void> => {
  build ??= new Promise<void>((resolve, reject) => {
    const startedAt = performance.now();
    log(`Building the dashboard (${reason}); this takes a few seconds…`);
    const child = spawn(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['run', 'build', '-w', '@companero/dashboard'],
      {
        cwd: repositoryRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        log(`Dashboard built in ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);
        resolve();
      } else {
        const tail = output.join('').split('\n').slice(-30).join('\n');
        reject(new Error(`The dashboard build failed (exit code ${code}):\n${tail}`));
      }
    });
  }).finally(() => {
    build = null;
  });
  return build;
};

/**
 * Builds the dashboard when apps/dashboard/dist/index.html is missing (a fresh clone), so `npm start` serves
 * it without a separate step. With `rebuildWhenStale` (tests) it also rebuilds when sources are newer than the
 * build; otherwise a stale build is only reported. Answers what it found or did.
 */
export const ensureDashboardBuilt = async (
  options: { log?: (line: string) => void; rebuildWhenStale?: boolean } = {},
): Promise<'present' | 'built' | 'unavailable'> => {
  const log = options.log ?? ((line: string) => console.log(line));
  const isBuilt = existsSync(join(dashboardDistDir, 'index.html'));
  if (!existsSync(join(dashboardDir, 'package.json'))) {
    if (!isBuilt) log('The dashboard sources are not in this installation; serving the API only.');
    return isBuilt ? 'present' : 'unavailable';
  }
  if (isBuilt) {
    if (!isDashboardBuildStale()) return 'present';
    if (!options.rebuildWhenStale) {
      log(
        'The dashboard build is older than its sources: run `npm run build -w @companero/dashboard` to refresh it.',
      );
      return 'present';
    }
    await runBuild(log, 'its sources changed since the last build');
    return 'built';
  }
  await runBuild(log, 'apps/dashboard/dist is missing');
  return 'built';
};
