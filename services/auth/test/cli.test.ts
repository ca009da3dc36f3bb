import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '@companero/core/config/load-config';
import { loadMigrations } from '@companero/db/migrator';
import { createRuntime } from '@companero/db/runtime';
import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const run = promisify(execFile);

describe.each(backends())('the companero CLI on $name', (backend) => {
  let environment: TestEnvironment;

  /** Runs `companero <args>` as an operator would, with only the test environment's variables. */
  const companero = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts', ...args], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...environment.env },
      timeout: 60_000,
    });
    return stdout.trim();
  };

  const signingKeys = async () => {
    const runtime = await createRuntime(loadConfig(environment.env));
    try {
      const { rows } = await runtime.database.query<{ kid: string; status: string }>(
        'select kid, status from signing_keys order by created_at',
      );
      return rows;
    } finally {
      await runtime.close();
    }
  };

  beforeAll(async () => {
    environment = await createTestEnvironment(backend);
  });
  afterAll(async () => environment?.cleanup());

  it('`db migrate` applies every migration, then reports the database up to date', async () => {
    const names = loadMigrations().map((migration) => `${migration.version}_${migration.name}`);
    expect(names[0]).toBe('0001_foundation');
    expect(await companero('db', 'migrate')).toBe(
      `Applied ${names.length} migration(s): ${names.join(', ')}`,
    );
    expect(await companero('db', 'migrate')).toBe(
      `Database is up to date (${names.length} migrations applied before).`,
    );
  }, 120_000);

  it('`keys rotate` makes a new active key and retires the previous one', async () => {
    const first = /New active signing key: (\S+)\./.exec(await companero('keys', 'rotate'))?.[1];
    const second = /New active signing key: (\S+)\./.exec(await companero('keys', 'rotate'))?.[1];
    expect(first).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    expect(await signingKeys()).toEqual([
      { kid: first, status: 'retired' },
      { kid: second, status: 'active' },
    ]);
  }, 120_000);
});
