/**
 * Starting and stopping the servers under test as child processes. Every child is registered, so the benchmark
 * can kill whatever is still running on any exit path (error, Ctrl-C, SIGTERM).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const running = new Set<ChildProcess>();

/** Settings a user's shell might carry that must not leak into a server configured for another backend. */
const backendVariables = [
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'DATABASE_APP_ROLE',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'DATA_DIR',
  'PORT',
  'HOST',
];

export type ServerProcess = {
  name: string;
  url: string;
  child: ChildProcess;
  /** The last lines the child wrote to stderr/stdout, for error messages. */
  outputTail(): string;
  stop(): Promise<void>;
};

export const freePort = async (): Promise<number> => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
};

/** Spawns `node --import tsx <script> ...args` from the repository root with `env` on top of a clean env. */
export const spawnServer = (options: {
  name: string;
  script: string;
  args?: string[];
  port: number;
  env?: Record<string, string>;
}): ServerProcess => {
  const inherited = { ...process.env };
  for (const name of backendVariables) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', options.script, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { ...inherited, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name: options.name,
    url: `http://127.0.0.1:${options.port}`,
    child,
    outputTail: () => tail.trim(),
    stop: () => stopChild(child),
  };
};

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM (graceful shutdown), then SIGKILL if the child has not exited within `graceMs`. */
export const stopChild = async (child: ChildProcess, graceMs = 8000): Promise<void> => {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (!hasExited(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
};

export const stopAllServers = async (): Promise<void> => {
  await Promise.all([...running].map((child) => stopChild(child, 3000)));
};

/** Last resort on process exit: synchronous, so it works inside an 'exit' handler. */
export const killAllServersNow = (): void => {
  for (const child of running) if (!hasExited(child)) child.kill('SIGKILL');
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `url` until it answers 200 and returns the milliseconds since `since` (a performance.now() value).
 * Fails early when the child exits, and after `timeoutMs`.
 */
export const waitUntilOk = async (
  server: ServerProcess,
  path: string,
  options: { since: number; timeoutMs: number; intervalMs?: number },
): Promise<number> => {
  const deadline = options.since + options.timeoutMs;
  while (performance.now() < deadline) {
    if (hasExited(server.child)) {
      throw new Error(
        `${server.name} exited (code ${server.child.exitCode}) before ${path} answered:\n${server.outputTail()}`,
      );
    }
    try {
      const response = await fetch(server.url + path, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - options.since;
    } catch {
      // not listening yet
    }
    await sleep(options.intervalMs ?? 20);
  }
  throw new Error(
    `${server.name}: ${path} did not answer 200 within ${options.timeoutMs} ms:\n${server.outputTail()}`,
  );
};
