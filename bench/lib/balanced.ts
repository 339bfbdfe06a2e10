// Two configurations measured in turns, A B B A B A A B, each run on a fresh server: on two shared cores a run's
// place in the sequence moves its figure (the machine's speed drifts within minutes), and this order gives both the
// same places on average. Each configuration's figure is the mean of its four runs.
import { type LoadSummary, meanOf } from "./load.ts";
import { type LoadRow, loadRow } from "./rows.ts";

const ORDER = ["first", "second", "second", "first", "second", "first", "first", "second"] as const;

export async function measureInTurns(
  names: { first: string; second: string },
  measure: (which: "first" | "second") => Promise<LoadSummary>,
): Promise<{ runs: LoadRow[]; first: LoadRow; second: LoadRow }> {
  const summaries: Record<"first" | "second", LoadSummary[]> = { first: [], second: [] };
  const runs: LoadRow[] = [];
  for (const [index, which] of ORDER.entries()) {
    const run = await measure(which);
    summaries[which].push(run);
    runs.push(loadRow(`${names[which]}, run ${index + 1}`, run));
  }
  const mean = (which: "first" | "second") =>
    loadRow(`${names[which]} (mean of ${summaries[which].length})`, meanOf(summaries[which]));
  return { runs, first: mean("first"), second: mean("second") };
}
