import { ZProblem } from '@companero/contracts/common/problem';

/** Documents the error statuses a route can answer, each an RFC 9457 problem (for OpenAPI). */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ZProblem])) as Record<number, typeof ZProblem>;
