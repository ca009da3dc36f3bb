import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ensureWidgetBuilt, widgetDistFile } from '../build-widget';

describe('widget build', () => {
  it('builds one minified script under the 40 kB gzip budget, with compressed copies and no source map', async () => {
    await ensureWidgetBuilt();
    const code = await readFile(widgetDistFile);
    const gzip = await readFile(`${widgetDistFile}.gz`);
    expect(gzip.length).toBeLessThan(40 * 1024);
    expect(gunzipSync(gzip).equals(code)).toBe(true);
    expect((await stat(`${widgetDistFile}.br`)).size).toBeGreaterThan(0);
    const text = code.toString('utf8');
    expect(text).not.toContain('sourceMappingURL');
    expect(text.startsWith('"use strict";(()=>{')).toBe(true);
    // Types from the contracts package only: zod itself must not be bundled.
    expect(text).not.toContain('ZodError');
  });

  it('rebuilds when a source file is newer than the build, and not otherwise', async () => {
    await ensureWidgetBuilt();
    const builtAt = (await stat(widgetDistFile)).mtimeMs;
    await ensureWidgetBuilt();
    expect((await stat(widgetDistFile)).mtimeMs).toBe(builtAt);

    const source = join(widgetDistFile, '../../src/styles.ts');
    const original = await stat(source);
    const future = new Date(builtAt + 5_000);
    await utimes(source, future, future);
    try {
      await ensureWidgetBuilt();
      expect((await stat(widgetDistFile)).mtimeMs).toBeGreaterThan(builtAt);
    } finally {
      await utimes(source, original.atime, original.mtime);
    }
  });
});
