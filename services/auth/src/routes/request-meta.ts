import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../services/audit.service';

/** Where a request came from, for audit entries and session records. */
export const requestMeta = (request: FastifyRequest): RequestMeta => ({
  requestId: request.id,
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});
