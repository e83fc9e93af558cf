/** Counters read from the running functions' /metrics endpoints. */
import { metricSum } from '../../bench/report.js';
import { config } from './stack.js';

/** Chunks embed computed with the model so far (not reused by content hash). */
export async function modelEmbeddings(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${config.EMBED_PORT}/metrics`)).text();
  const match = /^sluice_embedded_chunks_total\{origin="model"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * The sum of the series of `name` whose labels include `labels` (in any order), from the
 * /metrics of the component on `port`; 0 when there is none. Parsed by the bench's parser (one
 * Prometheus text reader for both).
 */
export async function metricValue(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricSum(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name, labels);
}
