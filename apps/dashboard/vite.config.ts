import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Writes `.br` and `.gz` next to every text asset so the server (which has no compression middleware) can send
 * them as they are: @fastify/static picks the variant the browser accepts (`preCompressed`). It compresses the
 * files as written to disk, after every other plugin (Vite's preload rewriting included) has finished with them.
 */
const precompressAssets = (): Plugin => ({
  name: 'companero:precompress-assets',
  apply: 'build',
  async writeBundle(options, bundle) {
    const outDir = options.dir ?? 'dist';
    await Promise.all(
      Object.keys(bundle)
        .filter((fileName) => /\.(js|css|html|svg|json)$/.test(fileName))
        .map(async (fileName) => {
          const path = join(outDir, fileName);
          const bytes = await readFile(path);
          if (bytes.length < 1024) return;
          const [br, gz] = await Promise.all([
            brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
            gzipAsync(bytes, { level: 9 }),
          ]);
          await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gz)]);
        }),
    );
  },
});

// `npm run dev` serves the app with hot reload and sends API calls to the all-in-one server (`npm start`).
const apiTarget = process.env.COMPANERO_API_URL ?? 'http://localhost:8000';

export default defineConfig({
  plugins: [react(), precompressAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': apiTarget,
      '/openapi.json': apiTarget,
      '/docs': apiTarget,
      '/.well-known': apiTarget,
    },
  },
});
