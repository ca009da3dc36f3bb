import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWidget } from './build.mjs';

const widgetDirectory = dirname(fileURLToPath(import.meta.url));

/** The built widget, served at `/widget.js`; `widget.js.gz` and `widget.js.br` sit next to it. */
export const widgetDistFile = join(widgetDirectory, 'dist', 'widget.js');

let building: Promise<void> | null = null;

/**
 * Builds the widget when `dist/widget.js` is missing or older than any source file (or the build script).
 * Concurrent calls in one process share one build; separate processes may both build, harmlessly, since
 * every file is replaced by a rename.
 */
export const ensureWidgetBuilt = (): Promise<void> => {
  building ??= (async () => {
    try {
      if (!(await isStale())) return;
      await buildWidget();
    } finally {
      building = null;
    }
  })();
  return building;
};

const isStale = async () => {
  let builtAt: number;
  try {
    builtAt = (await stat(widgetDistFile)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const sources = [join(widgetDirectory, 'build.mjs'), ...(await listFiles(join(widgetDirectory, 'src')))];
  for (const source of sources) if ((await stat(source)).mtimeMs > builtAt) return true;
  return false;
};

const listFiles = async (directory: string): Promise<string[]> => {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(join(directory, entry.name)) : [join(directory, entry.name)],
    ),
  );
  return nested.flat();
};
