import { ZProblem } from '@companero/contracts/common/problem';

// A described copy: OpenAPI takes a response's description from its schema.
const ZProblemResponse = ZProblem.describe('RFC 9457 problem details');

/** Documents the error statuses a route can answer, each an RFC 9457 problem (for OpenAPI). */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ZProblemResponse])) as Record<
    number,
    typeof ZProblemResponse
  >;
