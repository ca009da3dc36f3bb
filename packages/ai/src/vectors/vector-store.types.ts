export type VectorMetadata = Record<string, string | number | boolean>;

export type VectorRecord = { id: string; embedding: number[]; document: string; metadata: VectorMetadata };

export type VectorHit = {
  id: string;
  document: string;
  metadata: VectorMetadata;
  distance: number;
  score: number;
};

/**
 * One collection per creator, named `creator_{creatorId}_knowledge` by the store itself: callers pass the
 * creator id of their tenant context and can never name another creator's collection.
 */
export type VectorStore = {
  /** Creates the collection if needed and returns the embedding model it was built with. */
  ensureCollection(
    creatorId: string,
    embedding: { model: string; dimension: number },
  ): Promise<{ model: string; dimension: number; isNew: boolean }>;
  upsert(creatorId: string, records: VectorRecord[]): Promise<void>;
  /** Deletes by ids, or every record whose metadata matches `where` (e.g. { documentId }). */
  delete(creatorId: string, selector: { ids: string[] } | { where: VectorMetadata }): Promise<void>;
  query(
    creatorId: string,
    embedding: number[],
    options: { k: number; where?: VectorMetadata },
  ): Promise<VectorHit[]>;
  count(creatorId: string): Promise<number>;
  dropCollection(creatorId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

export const collectionName = (creatorId: string): string => {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(creatorId)) {
    throw new Error('collectionName: creatorId must be a UUID');
  }
  return `creator_${creatorId.toLowerCase()}_knowledge`;
};
