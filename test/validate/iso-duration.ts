/**
 * ISO-8601 durations as Knative's delivery spec takes them (`PT0.5S`, `PT2M`, `P1D`): designators
 * in order, at least one, a fraction only on seconds. Written independently of the local broker's
 * parser (local/broker/duration.ts) so the two can be compared.
 */
const PATTERN = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO-8601 duration, or undefined when the text is not one. Years and months count as 365 and 30 days. */
export function isoDurationMs(text: string): number | undefined {
  const m = PATTERN.exec(text);
  if (m === null) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
  return ((days * 24 + n(5)) * 60 + n(6)) * 60_000 + n(7) * 1000;
}
