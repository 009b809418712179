// Errors Fastify's router answers before any hook or Nest sees the request: a malformed URL
// (FST_ERR_BAD_URL, 400) or an over-long route parameter (414). Fastify's default answer has
// another body shape, echoes the path and skips the onRequest hook that sets the security
// headers; this one answers them like every other error.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorAnswerFor, INTERNAL_ERROR, sendErrorAnswer } from '../errors/error-answer.js';
import type { HeaderRecord } from './security-headers.js';

export type RouterErrorHandler = (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) => void;

export function answerRouterErrors(securityHeaders: HeaderRecord): RouterErrorHandler {
  return (error, _request, reply) => {
    void reply.headers(securityHeaders);
    sendErrorAnswer(reply, errorAnswerFor(error) ?? INTERNAL_ERROR);
  };
}
