/**
 * ISO-8601 durations as Knative reads them (`delivery.backoffDelay`, `delivery.timeout`).
 *
 * The cluster parses these with `github.com/rickb777/date/period` (v1.13) and converts with
 * `DurationApprox()`: a year is 365.2425 days, a month a twelfth of that, a day 24 h. That
 * parser keeps ONE decimal digit of a fraction and silently drops the rest (`PT0.25S` is read
 * as 0.2 s), so we refuse more than one digit rather than differ from the cluster.
 * @see https://github.com/rickb777/date/blob/v1.13.0/period/parse.go
 */
import { ManifestError } from './errors.js';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const MS_PER_YEAR = 365.2425 * MS_PER_DAY;
const MS_PER_MONTH = MS_PER_YEAR / 12;
const MS_PER_WEEK = 7 * MS_PER_DAY;

const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const PATTERN = new RegExp(
  String.raw`^P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?` +
    String.raw`(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);
const UNIT_MS = [MS_PER_YEAR, MS_PER_MONTH, MS_PER_WEEK, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND];

/**
 * Parses an ISO-8601 duration (`PT0.5S`, `PT1M30S`, `P1D`, `P1W`, `P0`) to milliseconds.
 * Throws {@link ManifestError} on anything else, including negative durations (which the
 * cluster would accept and then crash its dispatcher on).
 */
export function parseIsoDuration(text: string): number {
  if (text === 'P0') return 0;
  const match = PATTERN.exec(text);
  const fields = match?.slice(1) ?? [];
  if (!match || fields.every((f) => f === undefined) || text.endsWith('T')) {
    throw new ManifestError(`"${text}" is not an ISO-8601 duration (e.g. PT0.5S, PT1M30S, P1D)`);
  }
  let ms = 0;
  fields.forEach((field, i) => {
    if (field === undefined) return;
    const normalised = field.replace(',', '.');
    const fraction = normalised.split('.')[1];
    if (fraction !== undefined && fraction.length > 1) {
      throw new ManifestError(
        `"${text}": Knative keeps only one decimal digit of a duration field (it would read ${field} as ` +
          `${normalised.slice(0, normalised.indexOf('.') + 2)}); write it with one decimal digit`,
      );
    }
    ms += Number(normalised) * (UNIT_MS[i] ?? 0);
  });
  return Math.round(ms);
}

/** Renders milliseconds for logs: `500ms`, `1.5s`, `2m0s`. */
export function formatMs(ms: number): string {
  if (ms < MS_PER_SECOND) return `${ms}ms`;
  if (ms < MS_PER_MINUTE) return `${ms / MS_PER_SECOND}s`;
  return `${Math.floor(ms / MS_PER_MINUTE)}m${(ms % MS_PER_MINUTE) / MS_PER_SECOND}s`;
}
