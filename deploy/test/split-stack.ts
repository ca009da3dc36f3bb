import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's nginx (/usr/sbin may be missing from a non-root PATH); NGINX_BINARY overrides it. */
const nginxBinary = process.env.NGINX_BINARY ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

/** The repository root: every process starts from it, as an operator's checkout would. */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export const splitServices = ['auth', 'creator-hub', 'ai-engine', 'channel'] as const;
export type SplitService = (typeof splitServices)[number];

/** The nginx upstream variable that lists each service's replicas. */
const upstreamVariables: Record<SplitService, string> = {
  auth: 'NGINX_AUTH_UPSTREAMS',
  'creator-hub': 'NGINX_HUB_UPSTREAMS',
  'ai-engine': 'NGINX_AI_UPSTREAMS',
  channel: 'NGINX_CHANNEL_UPSTREAMS',
};

/** The NGINX_*_UPSTREAMS settings that list these replicas (all on 127.0.0.1). */
export const upstreamEnv = (replicaPorts: Record<SplitService, number[]>): Record<string, string> =>
  Object.fromEntries(
    splitServices.map((service) => [
      upstreamVariables[service],
      replicaPorts[service].map((port) => `127.0.0.1:${port}`).join(' '),
    ]),
  );

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** A child process whose output goes to a log file. */
export type ManagedProcess = {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<Exit>;
  hasExited(): boolean;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const startProcess = (
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logFile: string },
): ManagedProcess => {
  const output = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    env: options.env,
    stdio: ['ignore', output, output],
  });
  closeSync(output);
  let hasExited = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      hasExited = true;
      resolve({ code: null, signal: null });
    });
  });
  return { name, child, logFile: options.logFile, exited, hasExited: () => hasExited };
};

/** Sends `signal` and waits for the exit; SIGKILL after `graceMs`. */
export const stopProcess = async (
  process: ManagedProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 30_000,
): Promise<Exit & { ms: number }> => {
  const startedAt = performance.now();
  if (!process.hasExited()) process.child.kill(signal);
  const exit = await Promise.race([process.exited, sleep(graceMs).then(() => null)]);
  if (exit) return { ...exit, ms: performance.now() - startedAt };
  process.child.kill('SIGKILL');
  return { ...(await process.exited), ms: performance.now() - startedAt };
};

const readLog = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** The log lines of a process at level warn or above, message and error only (never whole objects). */
export const logProblems = (file: string, limit = 8): string[] =>
  readLog(file)
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return line.trim() ? [line.slice(0, 300)] : [];
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) < 40) return [];
        return [`${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message.slice(0, 200)}` : ''}`];
      } catch {
        return [line.slice(0, 300)];
      }
    })
    .slice(-limit);

/** CPU seconds used and resident memory (MiB) of a running process, from /proc (Linux). */
export const processUsage = (pid: number | undefined): { cpuSeconds: number; rssMiB: number } | null => {
  if (!pid) return null;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuSeconds: ticks / 100, rssMiB: rssKiB / 1024 };
  } catch {
    return null;
  }
};

/** Whether the process's log has a request with this id (the services log every request with it). */
export const logHasRequestId = (file: string, requestId: string) =>
  readLog(file).includes(`"reqId":"${requestId}"`);

export type Replica = {
  service: SplitService;
  /** 1-based, as the summary says it. */
  index: number;
  port: number;
  /** How many times it was started; names its log file. */
  generation: number;
  process: ManagedProcess | null;
};

export type SplitStackOptions = {
  /** Scratch directory: logs, the rendered nginx configuration. */
  workDir: string;
  /** Environment shared by every Compañero process (database, Redis, Chroma, secrets, limits). */
  env: Record<string, string>;
  replicaPorts: Record<SplitService, number[]>;
  nginxPort: number;
  readyTimeoutMs?: number;
};

/**
 * The split deployment on one machine, as docs/deploy.md describes it: `companero serve <service>` replicas,
 * one `companero work` process and nginx with the configuration rendered by deploy/render-nginx-conf.sh.
 */
export const createSplitStack = (options: SplitStackOptions) => {
  const logDir = join(options.workDir, 'logs');
  const nginxDir = join(options.workDir, 'nginx');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(nginxDir, { recursive: true });
  // nginx workers run as an unprivileged user when the master is root: they must reach the temp directories.
  chmodSync(options.workDir, 0o755);
  chmodSync(nginxDir, 0o755);
  const readyTimeoutMs = options.readyTimeoutMs ?? 600_000;
  const processEnv = { ...process.env, ...options.env };
  const replicas: Replica[] = splitServices.flatMap((service) =>
    options.replicaPorts[service].map((port, position) => ({
      service,
      index: position + 1,
      port,
      generation: 0,
      process: null,
    })),
  );
  let worker: ManagedProcess | null = null;
  let workerGeneration = 0;
  let nginx: ManagedProcess | null = null;
  const nginxUrl = `http://127.0.0.1:${options.nginxPort}`;

  const companero = (name: string, args: string[]) =>
    startProcess(name, process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts', ...args], {
      env: processEnv,
      logFile: join(logDir, `${name}.log`),
    });

  const waitFor = async (what: string, proc: ManagedProcess, isReady: () => Promise<boolean>) => {
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (proc.hasExited()) {
        const exit = await proc.exited;
        throw new Error(
          `${what} exited (code ${exit.code}, signal ${exit.signal}) before it was ready: ${logProblems(proc.logFile, 5).join(' | ')}`,
        );
      }
      if (await isReady().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${what} was not ready within ${readyTimeoutMs / 1000} s`);
      await sleep(250);
    }
  };

  const isAnswering = async (url: string) =>
    (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status === 200;

  return {
    replicas,
    nginxUrl,
    logDir,
    nginxDir,
    replicasOf: (service: SplitService) => replicas.filter((replica) => replica.service === service),
    get worker() {
      return worker;
    },
    get nginx() {
      return nginx;
    },

    /** `companero db migrate`, once, as a deploy runs it. */
    async migrate(): Promise<string> {
      const run = companero('migrate', ['db', 'migrate']);
      const exit = await run.exited;
      const output = readLog(run.logFile).trim();
      if (exit.code !== 0)
        throw new Error(`companero db migrate failed: ${logProblems(run.logFile, 5).join(' | ')}`);
      return output.split('\n').at(-1) ?? '';
    },

    /** Starts (or restarts) one replica and waits until its /ready answers 200. */
    async startReplica(replica: Replica): Promise<number> {
      const startedAt = performance.now();
      replica.generation += 1;
      const name = `${replica.service}-${replica.index}${replica.generation > 1 ? `-run${replica.generation}` : ''}`;
      const proc = companero(name, ['serve', replica.service, '-p', String(replica.port)]);
      replica.process = proc;
      await waitFor(name, proc, () => isAnswering(`http://127.0.0.1:${replica.port}/ready`));
      return performance.now() - startedAt;
    },

    async stopReplica(replica: Replica, signal: NodeJS.Signals) {
      if (!replica.process) throw new Error(`${replica.service} ${replica.index} is not running`);
      return stopProcess(replica.process, signal);
    },

    /** Starts (or restarts) `companero work` (every service's queues) and waits for "workers running". */
    async startWorker(): Promise<number> {
      const startedAt = performance.now();
      workerGeneration += 1;
      const name = `worker${workerGeneration > 1 ? `-run${workerGeneration}` : ''}`;
      const proc = companero(name, ['work']);
      worker = proc;
      await waitFor(name, proc, async () => readLog(proc.logFile).includes('"msg":"workers running"'));
      return performance.now() - startedAt;
    },

    /** Renders the nginx configuration for these replicas and starts nginx in the foreground. */
    async startNginx(extraEnv: Record<string, string> = {}): Promise<string> {
      const confFile = await renderNginxConf(nginxDir, {
        ...upstreamEnv(options.replicaPorts),
        NGINX_LISTEN: `127.0.0.1:${options.nginxPort}`,
        NGINX_WORKER_PROCESSES: '1',
        BODY_LIMIT_BYTES: options.env.BODY_LIMIT_BYTES ?? '',
        ...extraEnv,
      });
      nginx = startNginxProcess('nginx', nginxDir, confFile, logDir);
      const proc = nginx;
      await waitFor('nginx', proc, () => isAnswering(`${nginxUrl}/health`));
      return confFile;
    },

    /** Every process this stack started, stopped (SIGTERM, then SIGKILL after 15 s). */
    async stopAll() {
      const running = [...replicas.map((replica) => replica.process), worker, nginx].filter(
        (proc): proc is ManagedProcess => proc !== null && !proc.hasExited(),
      );
      await Promise.all(
        running.map((proc) => stopProcess(proc, proc.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM', 15_000)),
      );
    },
  };
};

export type SplitStack = ReturnType<typeof createSplitStack>;

/** Runs deploy/render-nginx-conf.sh with `env` on top of this process's environment. */
export const renderNginxConf = async (outputDir: string, env: Record<string, string>): Promise<string> => {
  const render = spawn('sh', [join(repositoryRoot, 'deploy/render-nginx-conf.sh'), outputDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  render.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  render.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => render.once('close', resolve));
  if (code !== 0) throw new Error(`render-nginx-conf.sh failed: ${output.trim()}`);
  chmodSync(outputDir, 0o755);
  return join(outputDir, 'nginx.conf');
};

/** nginx in the foreground with `prefix` as its prefix (pid, logs and temp files stay there). */
export const startNginxProcess = (name: string, prefix: string, confFile: string, logDir: string) =>
  startProcess(name, nginxBinary, ['-p', prefix, '-c', confFile, '-g', 'daemon off;'], {
    env: process.env,
    logFile: join(logDir, `${name}.log`),
  });

/** `nginx -t` on a rendered configuration; answers nginx's verdict. */
export const testNginxConf = async (
  prefix: string,
  confFile: string,
): Promise<{ ok: boolean; output: string }> => {
  const check = spawn(nginxBinary, ['-t', '-p', prefix, '-c', confFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  check.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  check.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => check.once('close', resolve));
  return { ok: code === 0, output: output.trim() };
};
