/**
 * Turns texts into vectors. Implementations: local ONNX through @huggingface/transformers (the default, with
 * the model shipped in models/), and Ollama's embedding API (`OLLAMA_URL`). `model` names what built a
 * collection: vectors of two models are never mixed.
 */
export type Embedder = {
  /** A stable identifier such as "local:m2v-bge-base-vq128" or "ollama:nomic-embed-text". */
  model: string;
  dimension: number;
  /** One L2-normalised vector per text, in order. Batches internally; callers may pass any number. */
  embed(texts: string[]): Promise<number[][]>;
  ping(): Promise<void>;
};
