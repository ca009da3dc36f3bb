import { reindexCreatorJob } from '@companero/contracts/jobs/knowledge-jobs';
import type { JobQueue } from '@companero/db/job-queue';

/** What retrieval does when a collection's embedding model is not the current one: one re-index per minute at most. */
export const reindexOnModelChange = (jobs: JobQueue) => (creatorId: string, collectionModel: string) =>
  jobs.send(
    reindexCreatorJob,
    { creatorId, reason: `embedding model changed from ${collectionModel}` },
    { singletonKey: creatorId, singletonSeconds: 60 },
  );
