// Editable name/value rows for a secret's metadata (plain text: metadata is never secret).
import { useId } from "react";
import { CloseIcon, PlusIcon } from "./icons.tsx";

export type Pair = { id: number; name: string; value: string };

let nextPairId = 1;

export function newPair(name = "", value = ""): Pair {
  return { id: nextPairId++, name, value };
}

export function pairsOf(record: Record<string, string>): Pair[] {
  return Object.entries(record).map(([name, value]) => newPair(name, value));
}

/** The rows as a record; rows left entirely empty are ignored. */
export function recordOf(pairs: Pair[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const pair of pairs) {
    if (pair.name.trim() === "" && pair.value === "") continue;
    record[pair.name.trim()] = pair.value;
  }
  return record;
}

/** A name is needed once a value is written; the messages go next to the row. */
export function checkPairs(pairs: Pair[]): Record<number, string> {
  const errors: Record<number, string> = {};
  const seen = new Set<string>();
  for (const pair of pairs) {
    const name = pair.name.trim();
    if (name === "" && pair.value !== "") errors[pair.id] = "Metadata key is required";
    else if (name !== "" && seen.has(name)) errors[pair.id] = `Metadata key "${name}" is used twice`;
    seen.add(name);
  }
  return errors;
}

type PairsEditorProps = {
  legend: string;
  pairs: Pair[];
  onChange(pairs: Pair[]): void;
  rowErrors: Record<number, string>;
  /** An error about the whole set (from the server). */
  error?: string | undefined;
};

export function PairsEditor({ legend, pairs, onChange, rowErrors, error }: PairsEditorProps) {
  const id = useId();
  const update = (pairId: number, change: Partial<Pair>) =>
    onChange(pairs.map((pair) => (pair.id === pairId ? { ...pair, ...change } : pair)));
  return (
    <fieldset className="pairs">
      <legend>
        {legend} <span className="field-note">(optional)</span>
      </legend>
      {pairs.map((pair, index) => {
        const rowError = rowErrors[pair.id];
        const errorId = `${id}-${pair.id}-error`;
        return (
          <div key={pair.id} className="pair-row">
            <label className="visually-hidden" htmlFor={`${id}-${pair.id}-name`}>
              {legend} key {index + 1}
            </label>
            <input
              id={`${id}-${pair.id}-name`}
              placeholder="key"
              value={pair.name}
              aria-invalid={rowError || (error && index === 0) ? true : undefined}
              aria-describedby={rowError ? errorId : error && index === 0 ? `${id}-error` : undefined}
              onChange={(event) => update(pair.id, { name: event.target.value })}
            />
            <label className="visually-hidden" htmlFor={`${id}-${pair.id}-value`}>
              {legend} value {index + 1}
            </label>
            <input
              id={`${id}-${pair.id}-value`}
              placeholder="value"
              value={pair.value}
              onChange={(event) => update(pair.id, { value: event.target.value })}
            />
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove ${legend.toLowerCase()} row ${index + 1}`}
              title="Remove"
              onClick={() => onChange(pairs.filter((other) => other.id !== pair.id))}
            >
              <CloseIcon />
            </button>
            {rowError ? (
              <p id={errorId} className="field-error pair-error">
                {rowError}
              </p>
            ) : null}
          </div>
        );
      })}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
      <button type="button" className="button button-small" onClick={() => onChange([...pairs, newPair()])}>
        <PlusIcon /> Add {legend.toLowerCase()}
      </button>
    </fieldset>
  );
}
