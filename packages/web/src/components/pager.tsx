// Previous/Next for cursor pages, with where we are ("Page 3 · 101–150") and the page size.
type PagerProps = {
  label: string;
  pageIndex: number;
  pageSize: number;
  shown: number;
  hasNext: boolean;
  loading: boolean;
  onPrevious(): void;
  onNext(): void;
  /** Without it, the page size is not offered. */
  onPageSize?: (size: number) => void;
  noun: string;
};

const SIZES = [25, 50, 100];

export function Pager(props: PagerProps) {
  const { pageIndex, pageSize, shown, hasNext, loading } = props;
  const first = pageIndex * pageSize + 1;
  const range = shown === 0 ? "none" : `${first.toLocaleString()}–${(first + shown - 1).toLocaleString()}`;
  return (
    <nav className="pager" aria-label={props.label}>
      <p className="pager-status" aria-live="polite">
        Page {pageIndex + 1} · {props.noun} {range}
      </p>
      <div className="pager-controls">
        {props.onPageSize ? (
          <label className="page-size">
            Per page{" "}
            <select value={pageSize} onChange={(event) => props.onPageSize?.(Number(event.target.value))}>
              {SIZES.map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <PagerButton enabled={pageIndex > 0 && !loading} onClick={props.onPrevious}>
          Previous
        </PagerButton>
        <PagerButton enabled={hasNext} onClick={props.onNext}>
          Next
        </PagerButton>
      </div>
    </nav>
  );
}

/** aria-disabled rather than disabled: a focused button that becomes unavailable keeps the focus. */
function PagerButton({
  enabled,
  onClick,
  children,
}: {
  enabled: boolean;
  onClick(): void;
  children: string;
}) {
  return (
    <button
      type="button"
      className="button"
      aria-disabled={!enabled}
      onClick={() => {
        if (enabled) onClick();
      }}
    >
      {children}
    </button>
  );
}
