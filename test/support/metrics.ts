/** Counters read from the running functions' /metrics endpoints. */
import { config } from './stack.js';

/** Chunks embed computed with the model so far (not reused by content hash). */
export async function modelEmbeddings(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${config.EMBED_PORT}/metrics`)).text();
  const match = /^sluice_embedded_chunks_total\{origin="model"\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}
