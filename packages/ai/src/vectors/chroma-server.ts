import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { type ComponentLogger, silentLogger } from '../logging/component-logger.types';

export type ChromaServerOptions = {
  /** Chroma's persistence folder (created if missing), e.g. `<DATA_DIR>/chroma`. */
  path: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** How long to wait for the first heartbeat, per start. */
  startTimeoutMs?: number;
  /** Restarts allowed within `restartWindowMs` after unexpected exits; past that the server stays down. */
  maxRestarts?: number;
  restartWindowMs?: number;
  logger?: ComponentLogger;
};

/** A Chroma server running as a child process of this one. */
export type ChromaServer = {
  url: string;
  port: number;
  /** The current child's process id (a restart changes it); undefined once stopped. */
  readonly pid: number | undefined;
  /** Unexpected exits that were followed by a restart. */
  readonly restarts: number;
  /** Resolves once the server answers its heartbeat (immediately when it does; waits during a restart). */
  whenReady(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent; no restart happens afterwards. */
  stop(graceMs?: number): Promise<void>;
};

const outputLines = 40;
// `chroma run` serves from a native call that blocks the child's main thread, so the child cannot react to
// anything in JavaScript. A preloaded worker thread watches the parent instead: when this process is gone (even
// after SIGKILL, with no chance to stop the child), the child's parent id changes and it SIGTERMs itself.
// Without it a crashed parent leaves a Chroma holding the data folder.
const parentWatcher = `const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM'); }, 500);`;
const exitWithParent = `data:text/javascript,${encodeURIComponent(
  `import { Worker } from 'node:worker_threads';\nnew Worker(${JSON.stringify(parentWatcher)}, { eval: true }).unref();`,
)}`;

/** The `chroma` CLI shipped in the chromadb package (its native server binding runs inside that process). */
export const chromaCliPath = (): string => {
  let directory = dirname(createRequire(import.meta.url).resolve('chromadb'));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const packageJson = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        bin?: { chroma?: string };
      };
      if (packageJson.name === 'chromadb' && packageJson.bin?.chroma)
        return join(directory, packageJson.bin.chroma);
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error('The chromadb package has no `chroma` CLI');
    directory = parent;
  }
};

export const findFreePort = async (host: string): Promise<number> => {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('Could not read a free port');
  return address.port;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const portUnavailable = /Address .* is not available|address already in use/i;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are control characters
const ansiCodes = /\u001b\[[0-9;]*m/g;

type RunningChild = { process: ChildProcess; output: string[]; exit: Promise<void>; hasExited: boolean };

const spawnChroma = (
  cliPath: string,
  options: { path: string; host: string; port: number },
): RunningChild => {
  const { NODE_OPTIONS: _loaders, ...environment } = process.env;
  const child = spawn(
    process.execPath,
    [
      '--import',
      exitWithParent,
      cliPath,
      'run',
      '--path',
      options.path,
      '--port',
      String(options.port),
      '--host',
      options.host,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...environment, ANONYMIZED_TELEMETRY: 'False' },
      // Its own process group: a Ctrl+C in the terminal reaches only this process, whose shutdown stops Chroma
      // in order, instead of Chroma exiting first and being restarted mid-shutdown.
      detached: true,
    },
  );
  const running: RunningChild = { process: child, output: [], exit: Promise.resolve(), hasExited: false };
  const record = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').replace(ansiCodes, '').split('\n')) {
      if (line.trim() === '') continue;
      running.output.push(line.trimEnd());
      if (running.output.length > outputLines) running.output.shift();
    }
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  // A failed spawn emits 'error' and then (usually) no 'exit': settle on either.
  running.exit = new Promise<void>((resolve) => {
    const settle = () => {
      running.hasExited = true;
      resolve();
    };
    child.once('exit', settle);
    child.once('error', (error) => {
      running.output.push(`spawn failed: ${error.message}`);
      settle();
    });
  });
  return running;
};

const describeExit = (child: ChildProcess): string =>
  child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;

const waitForHeartbeat = async (running: RunningChild, url: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Chroma reports a port it cannot bind but keeps running without serving: fail now, not at the deadline.
    if (running.output.some((line) => portUnavailable.test(line))) {
      throw new Error(`Chroma could not listen at ${url}. Its last output:\n${running.output.join('\n')}`);
    }
    if (running.hasExited) {
      throw new Error(
        `Chroma ${describeExit(running.process)} before answering at ${url}. Its last output:\n${running.output.join('\n')}`,
      );
    }
    try {
      const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Chroma did not answer its heartbeat at ${url} within ${timeoutMs} ms. Its last output:\n${running.output.join('\n') || '(none)'}`,
      );
    }
    await sleep(100);
  }
};

const terminate = async (running: RunningChild, graceMs: number): Promise<void> => {
  if (running.hasExited) return;
  running.process.kill('SIGTERM');
  const hasExitedInTime = await Promise.race([
    running.exit.then(() => true),
    sleep(graceMs).then(() => false),
  ]);
  if (!hasExitedInTime) {
    running.process.kill('SIGKILL');
    await running.exit;
  }
};

/**
 * Starts Chroma with the `chroma run` CLI of the chromadb package as a child process, bound to `host` (default
 * 127.0.0.1), and resolves once it answers its heartbeat. An unexpected exit is logged and followed by a
 * restart on the same port (at most `maxRestarts` within `restartWindowMs`); `stop()` ends it for good.
 */
export const startChromaServer = async (options: ChromaServerOptions): Promise<ChromaServer> => {
  const host = options.host ?? '127.0.0.1';
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const maxRestarts = options.maxRestarts ?? 3;
  const restartWindowMs = options.restartWindowMs ?? 10 * 60_000;
  const logger = options.logger ?? silentLogger;
  const cliPath = chromaCliPath();
  mkdirSync(options.path, { recursive: true });

  let current: RunningChild | undefined;
  let isStopping = false;
  let ready: Promise<void> = Promise.resolve();
  const restartTimes: number[] = [];
  let restartCount = 0;

  const startOn = async (port: number): Promise<void> => {
    const running = spawnChroma(cliPath, { path: options.path, host, port });
    current = running;
    try {
      await waitForHeartbeat(running, `http://${host}:${port}`, startTimeoutMs);
    } catch (error) {
      await terminate(running, 2_000);
      throw error;
    }
    void running.exit.then(() => onExit(running, port));
  };

  const onExit = (running: RunningChild, port: number) => {
    if (isStopping || running !== current) return;
    const now = Date.now();
    while (restartTimes.length > 0 && restartTimes[0]! < now - restartWindowMs) restartTimes.shift();
    const details = { port, pid: running.process.pid, lastOutput: running.output.slice(-10) };
    if (restartTimes.length >= maxRestarts) {
      logger.error(
        { ...details, restarts: restartTimes.length },
        `Chroma ${describeExit(running.process)}; not restarting after ${maxRestarts} restarts`,
      );
      ready = Promise.reject(new Error(`Chroma on port ${port} is down (${maxRestarts} restarts used)`));
      ready.catch(() => undefined);
      return;
    }
    restartTimes.push(now);
    restartCount += 1;
    logger.warn(details, `Chroma ${describeExit(running.process)} unexpectedly; restarting it`);
    ready = startOn(port).then(
      () => logger.info({ port, pid: current?.process.pid }, 'Chroma restarted'),
      (error: unknown) => {
        if (!isStopping) logger.error({ port, err: error }, 'Chroma could not be restarted');
        throw error;
      },
    );
    ready.catch(() => undefined);
  };

  // With an automatic port, another process may take the port between the probe and Chroma's bind: retry.
  const attempts = options.port ? 1 : 3;
  let port = options.port || (await findFreePort(host));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await startOn(port);
      break;
    } catch (error) {
      if (attempt >= attempts) throw error;
      port = await findFreePort(host);
    }
  }

  return {
    url: `http://${host}:${port}`,
    port,
    get pid() {
      return current && !current.hasExited ? current.process.pid : undefined;
    },
    get restarts() {
      return restartCount;
    },
    whenReady: () => ready,
    async stop(graceMs = 5_000) {
      isStopping = true;
      if (current) await terminate(current, graceMs);
    },
  };
};
