// Prints the results: a table for people, then one `BENCH_RESULT {json}` line for notes and scripts.
import { cpus, loadavg, totalmem } from "node:os";
import { type BenchRow, type Goal, isGoalMet } from "./rows.ts";
import type { BenchOptions } from "./scenario.ts";

export interface ScenarioReport {
  scenario: string;
  rows: BenchRow[];
  /** Why the scenario failed: it threw, or a load run saw errors or non-2xx responses. */
  failures: string[];
}

/** The 1-minute load average, to be taken before the bench loads the machine itself. */
export function measureBackgroundLoad(): number {
  return loadavg()[0] ?? 0;
}

export function printReport(reports: ScenarioReport[], options: BenchOptions, backgroundLoad: number): void {
  const lines = [
    `${machineDescription()}; ${options.connections} connections, ${options.duration} s per run`,
  ];
  // Other work on the machine lowers every figure; ratios taken within one run suffer less.
  if (backgroundLoad > cpus().length / 4) {
    lines.push(
      `note: load average ${backgroundLoad.toFixed(2)} before the bench started: the machine was busy`,
    );
  }
  const loads = loadTableRows(reports);
  if (loads.length > 0) {
    lines.push(
      "",
      ...formatTable(["scenario", "target", "req/s", "p50 ms", "p99 ms", "errors/non-2xx"], loads),
    );
  }
  const figures = figureTableRows(reports);
  if (figures.length > 0) lines.push("", ...formatTable(["scenario", "figure", "value", "goal"], figures));
  for (const report of reports) {
    for (const failure of report.failures) lines.push(`FAILED ${report.scenario}: ${failure}`);
  }
  console.log(lines.join("\n"));
  console.log(`BENCH_RESULT ${JSON.stringify(resultJson(reports, options, backgroundLoad))}`);
}

function loadTableRows(reports: ScenarioReport[]): string[][] {
  return reports.flatMap(({ scenario, rows }) =>
    rows.flatMap((row) => {
      if (row.kind !== "load") return [];
      const { requestsPerSecond, p50Ms, p99Ms, errors, non2xx } = row.load;
      const figures = [formatNumber(requestsPerSecond, 0), formatNumber(p50Ms, 2), formatNumber(p99Ms, 2)];
      return [[scenario, row.target, ...figures, `${errors}/${non2xx}`]];
    }),
  );
}

function figureTableRows(reports: ScenarioReport[]): string[][] {
  return reports.flatMap(({ scenario, rows }) =>
    rows.flatMap((row) => {
      if (row.kind !== "figure") return [];
      const value = `${formatNumber(row.value, 2)} ${row.unit}`;
      return [[scenario, row.name, value, formatGoal(row.value, row.goal)]];
    }),
  );
}

function resultJson(reports: ScenarioReport[], options: BenchOptions, backgroundLoad: number) {
  return {
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      node: process.version,
      loadAverageAtStart: round(backgroundLoad, 2),
    },
    options,
    ok: reports.every((report) => report.failures.length === 0),
    scenarios: reports.map((report) => ({
      name: report.scenario,
      failures: report.failures,
      rows: report.rows.map((row) =>
        row.kind === "load"
          ? {
              target: row.target,
              requestsPerSecond: round(row.load.requestsPerSecond, 1),
              p50Ms: round(row.load.p50Ms, 3),
              p99Ms: round(row.load.p99Ms, 3),
              responses: row.load.responses,
              errors: row.load.errors,
              non2xx: row.load.non2xx,
              durationSeconds: row.load.durationSeconds,
              connections: row.load.connections,
            }
          : {
              figure: row.name,
              value: round(row.value, 3),
              unit: row.unit,
              ...(row.goal ? { goal: row.goal } : {}),
            },
      ),
    })),
  };
}

function machineDescription(): string {
  const cores = cpus();
  const memoryGiB = Math.round(totalmem() / 2 ** 30);
  return `${cores[0]?.model ?? "unknown CPU"} × ${cores.length} cores, ${memoryGiB} GiB, Node ${process.version}`;
}

function formatGoal(value: number, goal: Goal | undefined): string {
  if (!goal) return "";
  const bounds = [
    goal.atLeast === undefined ? "" : `≥ ${goal.atLeast}`,
    goal.atMost === undefined ? "" : `≤ ${goal.atMost}`,
  ].filter(Boolean);
  return `${bounds.join(", ")} (${isGoalMet(value, goal) ? "met" : "missed"})`;
}

function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [format(header), format(widths.map((width) => "-".repeat(width))), ...rows.map(format)];
}

function formatNumber(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : "n/a";
}

function round(value: number, decimals: number): number | null {
  return Number.isFinite(value) ? Number(value.toFixed(decimals)) : null;
}
