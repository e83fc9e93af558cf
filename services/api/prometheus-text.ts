/**
 * Reading the Prometheus text exposition format (version 0.0.4), the few lines the pipeline view
 * needs: `name{label="value",…} value`. Comments, timestamps, NaN and ±Inf are handled; a line
 * that is not a sample is skipped rather than failing a whole scrape.
 */

export interface PromSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): PromSample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      while (line[at] === ' ' || line[at] === ',') at++;
      if (line[at] === '}') {
        at++;
        break;
      }
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(at))?.[0];
      if (!label || line[at + label.length] !== '=' || line[at + label.length + 1] !== '"') return undefined;
      at += label.length + 2;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) return undefined;
        at++;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[at++];
          value += next === 'n' ? '\n' : (next ?? '');
        } else value += c;
      }
      labels[label] = value;
    }
  }
  const [valueText] = line.slice(at).trim().split(/\s+/);
  const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
  if (valueText === undefined || valueText === '' || (Number.isNaN(value) && valueText !== 'NaN')) return undefined;
  return { name, labels, value };
}

/** The sum of the samples named `name` whose labels match `where` (a function or exact values). */
export function sumOf(samples: readonly PromSample[], name: string, where: ((labels: Readonly<Record<string, string>>) => boolean) | Record<string, string> = {}): number {
  const test = typeof where === 'function' ? where : (labels: Readonly<Record<string, string>>) => Object.entries(where).every(([k, v]) => labels[k] === v);
  let total = 0;
  for (const s of samples) if (s.name === name && test(s.labels) && Number.isFinite(s.value)) total += s.value;
  return total;
}
