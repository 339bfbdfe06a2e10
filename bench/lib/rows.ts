// What a scenario reports: load runs, ratios between them and single measurements, each with an optional goal.
import type { LoadSummary } from "./load.ts";

/** A target figure from an issue; missing it is printed, not a failure (figures depend on the machine). */
export interface Goal {
  atLeast?: number;
  atMost?: number;
}

export interface LoadRow {
  kind: "load";
  /** What was loaded: "baseline", "coffer", "coffer (audit off)", … */
  target: string;
  load: LoadSummary;
}

export interface FigureRow {
  kind: "figure";
  /** "req/s coffer/baseline", "key rotation, 1,000 projects", … */
  name: string;
  value: number;
  /** "×", "ms", "s", "%", … */
  unit: string;
  goal?: Goal;
}

export type BenchRow = LoadRow | FigureRow;

export function loadRow(target: string, load: LoadSummary): LoadRow {
  return { kind: "load", target, load };
}

export function figureRow(name: string, value: number, unit: string, goal?: Goal): FigureRow {
  return goal ? { kind: "figure", name, value, unit, goal } : { kind: "figure", name, value, unit };
}

/** Both the throughput ratio and the p50 ratio of `subject` against `reference`. */
export function comparisonRows(
  subject: LoadRow,
  reference: LoadRow,
  goals: { throughput?: Goal; p50?: Goal } = {},
): FigureRow[] {
  const pair = `${subject.target}/${reference.target}`;
  return [
    figureRow(
      `req/s ${pair}`,
      subject.load.requestsPerSecond / reference.load.requestsPerSecond,
      "×",
      goals.throughput,
    ),
    figureRow(`p50 ${pair}`, subject.load.p50Ms / reference.load.p50Ms, "×", goals.p50),
  ];
}

/** A load row fails the run when anything but a 2xx came back or a request errored. */
export function loadFailures(rows: BenchRow[]): string[] {
  return rows.flatMap((row) =>
    row.kind === "load" && row.load.errors + row.load.non2xx > 0
      ? [`${row.target}: ${row.load.errors} errors, ${row.load.non2xx} non-2xx (${formatStatuses(row.load)})`]
      : [],
  );
}

export function isGoalMet(value: number, goal: Goal): boolean {
  return (
    (goal.atLeast === undefined || value >= goal.atLeast) &&
    (goal.atMost === undefined || value <= goal.atMost)
  );
}

function formatStatuses(load: LoadSummary): string {
  return Object.entries(load.statusCodes)
    .map(([code, count]) => `${code}: ${count}`)
    .join(", ");
}
