/**
 * Percent-encoding of `ce-*` header values, as the CloudEvents HTTP binding (1.0.2, §3.1.3.2)
 * requires: space, `"`, `%` and anything outside printable ASCII travel as UTF-8 %XX. Without
 * it, an object key such as `café.pdf` in `ce-subject` is an illegal HTTP header value. The
 * cloudevents JS SDK does neither side, so we do it at our HTTP edge.
 */
const NEEDS_ENCODING = /[^\x21-\x7e]|["%]/gu;

export function encodeHeaderValue(value: string): string {
  return value.replace(NEEDS_ENCODING, (c) => encodeURIComponent(c).replace(/"/g, '%22'));
}

export function decodeHeaderValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not percent-encoded after all: keep it as sent
  }
}

/** Applies `transform` to the values of CloudEvents context headers (`ce-*`) only. */
export function mapCeHeaders(headers: Record<string, unknown>, transform: (value: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[name] = name.toLowerCase().startsWith('ce-') ? transform(text) : text;
  }
  return out;
}
