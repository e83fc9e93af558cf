/** The contract every embedding backend (in-process ONNX, remote OpenAI-compatible) fulfils. */

/** What a vector was made with; travels with the vectors so the index can check dimensions. */
export interface EmbeddingModel {
  /** Model identifier, e.g. `sentence-transformers/all-MiniLM-L6-v2`. */
  name: string;
  /** Length of every vector the embedder returns. */
  dimension: number;
}

/** Turns texts into vectors. Create once per process and reuse: creating may load a model. */
export interface Embedder {
  /** The model behind this embedder. */
  readonly model: EmbeddingModel;
  /**
   * Embeds `texts`, returning one vector per text in the same order. Each vector is its own
   * Float32Array (not a view into a shared buffer), so callers may keep or mutate it.
   * @throws {EmbeddingUnavailableError} (a TransientError) when a retry may pass, {EmbeddingBackendError} when it cannot.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases the model or connections. Calls to `embed` after `close` reject. */
  close(): Promise<void>;
}
