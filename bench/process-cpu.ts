/**
 * Where the CPU goes during a benchmark phase, from /proc (Linux): CPU seconds (user + system) of named groups
 * of processes between two snapshots, and the whole machine's busy time from /proc/stat, so what the listed
 * processes did not use (other jobs on a shared machine) shows too.
 */
import { readdirSync, readFileSync } from 'node:fs';

const clockTicksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Node runs on

type ProcStat = { pid: number; comm: string; ppid: number; ticks: number };

const readStat = (pid: number): ProcStat | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    // After the command name: state, ppid, … utime (12th) and stime (13th).
    const fields = stat.slice(close + 2).split(' ');
    return {
      pid,
      comm: stat.slice(open + 1, close),
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null;
  }
};

const allProcesses = (): ProcStat[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== null);

/** A process and its descendants (nginx's master and workers). */
export const withDescendants = (pid: number | undefined): number[] => {
  if (!pid) return [];
  const processes = allProcesses();
  const found = [pid];
  for (let index = 0; index < found.length; index += 1)
    for (const candidate of processes) if (candidate.ppid === found[index]) found.push(candidate.pid);
  return found;
};

/** Every process whose command name is `comm` (`postgres`, `redis-server`). */
export const pidsNamed = (comm: string): number[] =>
  allProcesses()
    .filter((stat) => stat.comm === comm)
    .map((stat) => stat.pid);

/** Busy and total CPU ticks of the whole machine (all cores) since boot. */
const machineTicks = () => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  return {
    busy: user + nice + system + irq + softirq + steal,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
};

/** Named groups of processes, resolved at each snapshot (pools open and close PostgreSQL backends). */
export type ProcessGroups = Record<string, () => number[] | Promise<number[]>>;

type Snapshot = {
  at: number;
  ticksByPid: Map<number, number>;
  groups: Map<string, Set<number>>;
  machine: { busy: number; total: number };
  self: NodeJS.CpuUsage;
};

const snapshot = async (groups: ProcessGroups): Promise<Snapshot> => {
  const resolved = new Map<string, Set<number>>();
  const ticksByPid = new Map<number, number>();
  for (const [name, pids] of Object.entries(groups)) {
    const set = new Set(await pids());
    resolved.set(name, set);
    for (const pid of set) {
      const stat = readStat(pid);
      if (stat) ticksByPid.set(pid, stat.ticks);
    }
  }
  return {
    at: performance.now(),
    ticksByPid,
    groups: resolved,
    machine: machineTicks(),
    self: process.cpuUsage(),
  };
};

export type CpuGroupFigures = { cpuSeconds: number; cores: number };

export type CpuProfile = {
  wallSeconds: number;
  /** CPU seconds and average cores of each group over the phase. */
  groups: Record<string, CpuGroupFigures>;
  /** This process (the load generator and the benchmark itself). */
  loadGenerator: CpuGroupFigures;
  /** The whole machine: every core's busy time (all processes, also other people's). */
  machine: CpuGroupFigures & { cpus: number; busyShare: number };
  /** Busy time of the machine not in any group above nor the load generator (other jobs, the kernel). */
  unaccounted: CpuGroupFigures;
};

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * Starts measuring: call the returned function at the end of the phase. A process that starts during the phase
 * counts from zero; one that exits during it is lost (a PostgreSQL backend of a pool that shrank). Group
 * functions run at both ends (PostgreSQL backends of one database: from pg_stat_activity at each end).
 */
export const startCpuProfile = async (groups: ProcessGroups, cpus: number) => {
  const before = await snapshot(groups);
  return async (): Promise<CpuProfile> => {
    const after = await snapshot(groups);
    const wallSeconds = (after.at - before.at) / 1000;
    const figures = (cpuSeconds: number): CpuGroupFigures => ({
      cpuSeconds: round(cpuSeconds),
      cores: round(cpuSeconds / wallSeconds),
    });
    const result: Record<string, CpuGroupFigures> = {};
    let listed = 0;
    const counted = new Set<number>();
    for (const name of Object.keys(groups)) {
      const pids = new Set([...(before.groups.get(name) ?? []), ...(after.groups.get(name) ?? [])]);
      let ticks = 0;
      for (const pid of pids) {
        const end = after.ticksByPid.get(pid);
        if (end === undefined) continue;
        const delta = end - (before.ticksByPid.get(pid) ?? 0);
        ticks += delta;
        if (!counted.has(pid)) {
          counted.add(pid);
          listed += delta;
        }
      }
      result[name] = figures(ticks / clockTicksPerSecond);
    }
    const selfSeconds =
      (after.self.user - before.self.user + after.self.system - before.self.system) / 1_000_000;
    const machineBusy = (after.machine.busy - before.machine.busy) / clockTicksPerSecond;
    const machineTotal = (after.machine.total - before.machine.total) / clockTicksPerSecond;
    return {
      wallSeconds: round(wallSeconds),
      groups: result,
      loadGenerator: figures(selfSeconds),
      machine: {
        ...figures(machineBusy),
        cpus,
        busyShare: round(machineTotal > 0 ? machineBusy / machineTotal : 0),
      },
      unaccounted: figures(Math.max(0, machineBusy - listed / clockTicksPerSecond - selfSeconds)),
    };
  };
};

/** Several profiles of the same groups (rounds of one phase) as one: CPU seconds and wall time add up. */
export const sumProfiles = (profiles: CpuProfile[]): CpuProfile => {
  const wallSeconds = profiles.reduce((sum, profile) => sum + profile.wallSeconds, 0);
  const add = (pick: (profile: CpuProfile) => CpuGroupFigures | undefined): CpuGroupFigures => {
    const cpuSeconds = profiles.reduce((sum, profile) => sum + (pick(profile)?.cpuSeconds ?? 0), 0);
    return { cpuSeconds: round(cpuSeconds), cores: round(wallSeconds > 0 ? cpuSeconds / wallSeconds : 0) };
  };
  const names = [...new Set(profiles.flatMap((profile) => Object.keys(profile.groups)))];
  const machine = add((profile) => profile.machine);
  return {
    wallSeconds: round(wallSeconds),
    groups: Object.fromEntries(names.map((name) => [name, add((profile) => profile.groups[name])])),
    loadGenerator: add((profile) => profile.loadGenerator),
    machine: {
      ...machine,
      cpus: profiles[0]?.machine.cpus ?? 0,
      busyShare: round(
        profiles[0]?.machine.cpus ? machine.cpuSeconds / (wallSeconds * profiles[0].machine.cpus) : 0,
      ),
    },
    unaccounted: add((profile) => profile.unaccounted),
  };
};
