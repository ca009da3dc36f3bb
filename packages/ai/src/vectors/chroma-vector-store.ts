import { AppError } from '@companero/core/errors/app-error';
import {
  ChromaClient,
  ChromaConnectionError,
  ChromaNotFoundError,
  ChromaUniqueError,
  type Collection,
  type Metadata,
  type Where,
} from 'chromadb';
import {
  collectionName,
  type VectorHit,
  type VectorMetadata,
  type VectorRecord,
  type VectorStore,
} from './vector-store.types';

export type ChromaVectorStoreOptions = {
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  /** Runs after the client is done, e.g. stopping the embedded server that `url` points at. */
  onClose?: () => Promise<void>;
  /** Records per upsert request. */
  batchSize?: number;
};

/** Collection metadata keys: which embedding model built the vectors, so that two models are never mixed. */
const modelKey = 'embedding_model';
const dimensionKey = 'embedding_dimension';

const toChromaWhere = (where: VectorMetadata): Where | undefined => {
  const clauses = Object.entries(where).map(([key, value]): Where => ({ [key]: value }));
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
};

const toVectorMetadata = (metadata: Metadata | null | undefined): VectorMetadata => {
  const result: VectorMetadata = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      result[key] = value;
  }
  return result;
};

/**
 * The vector store on a Chroma server (the `chromadb` client, API v2). One collection per creator, named by
 * `collectionName`, with cosine distance (`score = 1 - distance`) and the embedding model recorded in the
 * collection's metadata. Missing collections read as empty; writing needs `ensureCollection` first.
 */
export const createChromaVectorStore = (options: ChromaVectorStoreOptions): VectorStore => {
  const url = new URL(options.url);
  const isSsl = url.protocol === 'https:';
  const client = new ChromaClient({
    host: url.hostname,
    port: url.port ? Number(url.port) : isSsl ? 443 : 80,
    ssl: isSsl,
  });
  const batchSize = options.batchSize ?? 500;
  // Collection handles by name. Another replica may drop and re-create a collection (a new id): a handle that
  // answers "not found" is looked up again once.
  const handles = new Map<string, Collection>();

  const unreachable = (error: unknown): unknown =>
    error instanceof ChromaConnectionError
      ? new AppError('SERVICE_UNAVAILABLE', {
          message: `Chroma at ${options.url} is unreachable: ${error.message}`,
          cause: error,
        })
      : error;

  const lookUp = async (name: string): Promise<Collection | undefined> => {
    try {
      const collection = await client.getCollection({ name });
      handles.set(name, collection);
      return collection;
    } catch (error) {
      if (error instanceof ChromaNotFoundError) {
        handles.delete(name);
        return undefined;
      }
      throw unreachable(error);
    }
  };

  /** Runs `work` on the creator's collection, or returns `ifMissing` when it does not exist. */
  const withCollection = async <T>(
    creatorId: string,
    work: (collection: Collection) => Promise<T>,
    ifMissing: () => T,
  ): Promise<T> => {
    const name = collectionName(creatorId);
    const cached = handles.get(name);
    const collection = cached ?? (await lookUp(name));
    if (!collection) return ifMissing();
    try {
      return await work(collection);
    } catch (error) {
      if (!(cached && error instanceof ChromaNotFoundError)) throw unreachable(error);
      const fresh = await lookUp(name);
      if (!fresh) return ifMissing();
      try {
        return await work(fresh);
      } catch (retryError) {
        throw unreachable(retryError);
      }
    }
  };

  const missingForWrite = (creatorId: string) => (): never => {
    throw new Error(`No vector collection for creator ${creatorId}: call ensureCollection first`);
  };

  const recordedModel = (collection: Collection) => ({
    model: String(collection.metadata?.[modelKey] ?? 'unknown'),
    dimension: Number(collection.metadata?.[dimensionKey] ?? 0),
  });

  return {
    async ensureCollection(creatorId, embedding) {
      const name = collectionName(creatorId);
      const existing = handles.get(name) ?? (await lookUp(name));
      if (existing) return { ...recordedModel(existing), isNew: false };
      try {
        const created = await client.createCollection({
          name,
          embeddingFunction: null,
          configuration: { hnsw: { space: 'cosine' } },
          metadata: { [modelKey]: embedding.model, [dimensionKey]: embedding.dimension },
        });
        handles.set(name, created);
        return { ...recordedModel(created), isNew: true };
      } catch (error) {
        // Created concurrently (another request or replica): the first one wins.
        if (!(error instanceof ChromaUniqueError)) throw unreachable(error);
        const winner = await lookUp(name);
        if (!winner) throw error;
        return { ...recordedModel(winner), isNew: false };
      }
    },

    async upsert(creatorId, records: VectorRecord[]) {
      if (records.length === 0) return;
      await withCollection(
        creatorId,
        async (collection) => {
          for (let start = 0; start < records.length; start += batchSize) {
            const batch = records.slice(start, start + batchSize);
            await collection.upsert({
              ids: batch.map((record) => record.id),
              embeddings: batch.map((record) => record.embedding),
              documents: batch.map((record) => record.document),
              metadatas: batch.map((record) => record.metadata),
            });
          }
        },
        missingForWrite(creatorId),
      );
    },

    async delete(creatorId, selector) {
      if ('ids' in selector && selector.ids.length === 0) return;
      const where = 'where' in selector ? toChromaWhere(selector.where) : undefined;
      if ('where' in selector && !where) {
        throw new Error('VectorStore.delete: an empty `where` would delete everything; use dropCollection');
      }
      await withCollection(
        creatorId,
        (collection) => collection.delete('ids' in selector ? { ids: selector.ids } : { where }),
        () => undefined,
      );
    },

    async query(creatorId, embedding, { k, where }): Promise<VectorHit[]> {
      if (k <= 0) return [];
      return withCollection(
        creatorId,
        async (collection) => {
          const result = await collection.query({
            queryEmbeddings: [embedding],
            nResults: k,
            where: where ? toChromaWhere(where) : undefined,
            include: ['documents', 'metadatas', 'distances'],
          });
          const ids = result.ids[0] ?? [];
          return ids.map((id, index) => {
            const distance = result.distances[0]?.[index] ?? 1;
            return {
              id,
              document: result.documents[0]?.[index] ?? '',
              metadata: toVectorMetadata(result.metadatas[0]?.[index]),
              distance,
              score: 1 - distance,
            };
          });
        },
        () => [],
      );
    },

    count: (creatorId) =>
      withCollection(
        creatorId,
        (collection) => collection.count(),
        () => 0,
      ),

    async dropCollection(creatorId) {
      const name = collectionName(creatorId);
      handles.delete(name);
      try {
        await client.deleteCollection({ name });
      } catch (error) {
        if (!(error instanceof ChromaNotFoundError)) throw unreachable(error);
      }
    },

    async ping() {
      try {
        await client.heartbeat();
      } catch (error) {
        throw unreachable(error);
      }
    },

    async close() {
      handles.clear();
      await options.onClose?.();
    },
  };
};
