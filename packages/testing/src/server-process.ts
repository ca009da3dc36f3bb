import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

export type ServerProcess = {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  output: string[];
  /** SIGTERM (graceful), SIGKILL after 30 s. */
  stop(): Promise<void>;
  /** SIGKILL at once: the process dies wherever it is. */
  kill(): Promise<void>;
};

/** `companero start -p <port>` as an operator runs it: a real process with its own environment. */
export const startServerProcess = async (
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<ServerProcess> => {
  const port = options.port ?? (await freePort());
  const output: string[] = [];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/server/src/main.ts', 'start', '-p', String(port)],
    {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!isRunning()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (!isRunning()) return;
    child.kill('SIGKILL');
    await exited;
  };
  // Generous: on a loaded machine a cold `tsx` start alone takes tens of seconds.
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited with ${child.exitCode}\n${output.join('').slice(-3000)}`);
    }
    const health = await fetch(`${baseUrl}/health`).catch(() => null);
    if (health?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server on port ${port} did not start\n${output.join('').slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { baseUrl, port, child, output, stop, kill };
};
