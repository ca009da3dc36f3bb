/** The short human summary `npm run bench` prints after writing bench/results/auth.json. */
import type { LoadFigures } from './load-generators';

type MeFigures = { max: LoadFigures; fixedRate: LoadFigures; fixedRatePaced: LoadFigures };

export type SummaryInput = {
  node: string;
  machine: { cpus: number; cpuModel: string; postgres: string; loadAverage1mAtStart: number };
  settings: { connections: number; durationSeconds: number; fixedRate: number; fixedRateSeconds: number };
  scenarios: {
    baselineHelloWorld: LoadFigures;
    mePostgres: MeFigures;
    mePglite: MeFigures;
    start: { coldStartMs: number; warmStartMs: number };
  };
  ratios: { mePostgresRpsOverBaselineRps: number; mePgliteRpsOverBaselineRps: number };
  goals: { goal: string; actual: number; met: boolean }[];
};

const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [
    line(rows[0]!),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
};

const row = (label: string, figures: LoadFigures, vsBaseline = ''): string[] => [
  label,
  figures.requestsPerSecond.toFixed(0),
  figures.latencyMs.p50.toFixed(2),
  figures.latencyMs.p95.toFixed(2),
  figures.latencyMs.p99.toFixed(2),
  String(figures.errors),
  vsBaseline,
];

export const printSummary = (results: SummaryInput): void => {
  const { scenarios, settings, ratios } = results;
  const rate = `${settings.fixedRate}/s`;
  console.log(
    `\nauth benchmark: ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.node}, PostgreSQL ${results.machine.postgres}, load average ${results.machine.loadAverage1mAtStart}`,
  );
  console.log(
    `max: ${settings.connections} connections for ${settings.durationSeconds} s; fixed rate: ${rate} for ${settings.fixedRateSeconds} s\n`,
  );
  console.log(
    table([
      ['scenario', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'vs baseline'],
      row('baseline: Fastify hello world (max)', scenarios.baselineHelloWorld, '1.00'),
      row(
        'GET /me PostgreSQL (max)',
        scenarios.mePostgres.max,
        ratios.mePostgresRpsOverBaselineRps.toFixed(2),
      ),
      row(`GET /me PostgreSQL @${rate} autocannon`, scenarios.mePostgres.fixedRate),
      row(`GET /me PostgreSQL @${rate} paced`, scenarios.mePostgres.fixedRatePaced),
      row('GET /me PGlite (max)', scenarios.mePglite.max, ratios.mePgliteRpsOverBaselineRps.toFixed(2)),
      row(`GET /me PGlite @${rate} autocannon`, scenarios.mePglite.fixedRate),
      row(`GET /me PGlite @${rate} paced`, scenarios.mePglite.fixedRatePaced),
    ]),
  );
  console.log(
    `\nstart until /ready (PGlite): cold ${(scenarios.start.coldStartMs / 1000).toFixed(2)} s, warm ${(scenarios.start.warmStartMs / 1000).toFixed(2)} s\n`,
  );
  for (const goal of results.goals)
    console.log(`${goal.met ? 'MET   ' : 'MISSED'}  ${goal.goal}: ${goal.actual}`);
};
