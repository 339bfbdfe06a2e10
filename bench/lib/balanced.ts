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

/**
 * Several targets measured in rounds, one run of each per round, the order rotated each round (A B C, B C A,
 * C A B for three): each target takes each place in a round once. Each target's figure is the mean of its runs.
 * The targets are loaded one at a time; the caller decides which servers stay up between runs.
 */
export async function measureInRotation<Name extends string>(
  names: readonly Name[],
  label: (name: Name) => string,
  measure: (name: Name) => Promise<LoadSummary>,
): Promise<{ runs: LoadRow[]; means: Record<Name, LoadRow> }> {
  const summaries = new Map<Name, LoadSummary[]>(names.map((name) => [name, []]));
  const runs: LoadRow[] = [];
  for (let round = 0; round < names.length; round++) {
    for (let place = 0; place < names.length; place++) {
      const name = names[(round + place) % names.length] as Name;
      const run = await measure(name);
      summaries.get(name)?.push(run);
      runs.push(loadRow(`${label(name)}, run ${runs.length + 1}`, run));
    }
  }
  const means = Object.fromEntries(
    names.map((name) => {
      const own = summaries.get(name) ?? [];
      return [name, loadRow(`${label(name)} (mean of ${own.length})`, meanOf(own))];
    }),
  ) as Record<Name, LoadRow>;
  return { runs, means };
}
