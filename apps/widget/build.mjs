// Builds dist/widget.js (one minified IIFE for the script tag) with .gz and .br copies for the server to send.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const widgetDirectory = dirname(fileURLToPath(import.meta.url));
const distDirectory = join(widgetDirectory, 'dist');
/** The widget's size limit, gzipped; the build fails above it. */
const gzipBudgetBytes = 40 * 1024;

/** @returns {Promise<{ bytes: number, gzipBytes: number, brotliBytes: number }>} */
export const buildWidget = async () => {
  const result = await build({
    entryPoints: [join(widgetDirectory, 'src/main.ts')],
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2019',
    platform: 'browser',
    legalComments: 'none',
    sourcemap: false,
    write: false,
    logLevel: 'silent',
    tsconfig: join(widgetDirectory, 'tsconfig.json'),
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error('esbuild produced no output');
  const gzip = gzipSync(code, { level: 9 });
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  if (gzip.length > gzipBudgetBytes)
    throw new Error(`widget.js is ${gzip.length} bytes gzipped, over the ${gzipBudgetBytes}-byte budget`);

  await mkdir(distDirectory, { recursive: true });
  // Each file is written aside and renamed into place, so a server reading dist/ (or a second build running
  // at the same time) never sees half a file; widget.js goes last because its age says whether to rebuild.
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  for (const [name, contents] of [
    ['widget.js.gz', gzip],
    ['widget.js.br', brotli],
    ['widget.js', code],
  ]) {
    const target = join(distDirectory, name);
    await writeFile(target + suffix, contents);
    await rename(target + suffix, target);
  }
  return { bytes: code.length, gzipBytes: gzip.length, brotliBytes: brotli.length };
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = await buildWidget();
  console.log(
    `dist/widget.js: ${(sizes.bytes / 1024).toFixed(1)} kB, ${(sizes.gzipBytes / 1024).toFixed(1)} kB gzipped, ` +
      `${(sizes.brotliBytes / 1024).toFixed(1)} kB brotli`,
  );
}
