// Wall-clock time as the services record it.

/**
 * The current time as an ISO 8601 string, formatted once per millisecond: a request asks for it several times (audit
 * events, version reads, token use) and formatting a Date costs more than everything else those calls do.
 */
export function isoClock(clock: () => number = () => Date.now()): () => string {
  let formattedAt = Number.NaN;
  let formatted = "";
  return () => {
    const ms = clock();
    if (ms !== formattedAt) {
      formattedAt = ms;
      formatted = new Date(ms).toISOString();
    }
    return formatted;
  };
}
