import { join, resolve } from 'node:path';
import type { TConfig } from '@companero/core/config/config.schema';
import { type ComponentLogger, silentLogger } from '../logging/component-logger.types';
import { startChromaServer } from './chroma-server';
import { createChromaVectorStore } from './chroma-vector-store';
import type { VectorStore } from './vector-store.types';

export type VectorStoreConfig = Pick<TConfig, 'DATA_DIR' | 'CHROMA_URL' | 'CHROMA_PORT'>;

/**
 * `CHROMA_URL` set: that Chroma server. Unset (the embedded default): a Chroma started here as a child process
 * with its data in `DATA_DIR/chroma`, on 127.0.0.1:`CHROMA_PORT` (0: a free port), stopped by `close()`.
 */
export const createVectorStoreFromConfig = async (
  config: VectorStoreConfig,
  options: { logger?: ComponentLogger } = {},
): Promise<VectorStore> => {
  const logger = options.logger ?? silentLogger;
  if (config.CHROMA_URL) return createChromaVectorStore({ url: config.CHROMA_URL });
  const path = join(resolve(config.DATA_DIR), 'chroma');
  const server = await startChromaServer({ path, port: config.CHROMA_PORT, logger });
  logger.info({ url: server.url, path, pid: server.pid }, 'embedded Chroma started');
  return createChromaVectorStore({ url: server.url, onClose: () => server.stop() });
};
