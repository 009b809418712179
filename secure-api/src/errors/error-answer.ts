// What any error becomes on the wire: status, stable code, short message, headers. Shared by
// the exception filter (errors inside Nest) and the router-error handler (errors Fastify's
// router raises before Nest sees the request), so every error answer has one shape.
import { HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type ErrorCode, SecureApiError } from './secure-api.error.js';

export interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Readonly<Record<string, string>>;
  fields?: Readonly<Record<string, string>>;
}

/** Statuses with a code of their own; any other keeps its status with a generic code. */
const BY_STATUS: Readonly<Record<number, readonly [ErrorCode, string]>> = {
  400: ['validation_failed', 'The request is malformed'],
  401: ['unauthorized', 'A bearer token is required'],
  403: ['forbidden', 'The request is not allowed'],
  404: ['not_found', 'No such route'],
  405: ['method_not_allowed', 'Method not allowed'],
  413: ['payload_too_large', 'The request body is too large'],
  414: ['uri_too_long', 'The request URL is too long'],
  415: ['unsupported_media_type', 'Send the body as application/json; charset=utf-8'],
  429: ['too_many_requests', 'Too many requests; retry later'],
  500: ['internal_error', 'Internal server error'],
  503: ['service_unavailable', 'The service is unavailable; retry later'],
};

/** Messages for Fastify errors whose generic status message would hide the cause. */
const BY_FASTIFY_CODE: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty',
  FST_ERR_BAD_URL: 'The request URL is malformed',
};

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 600
    ? status
    : undefined;
}

/** The generic code of a status without an entry in BY_STATUS. */
function genericFor(status: number): readonly [ErrorCode, string] {
  return status < 500
    ? ['client_error', 'The request was refused']
    : ['server_error', 'The server could not answer'];
}

/**
 * The answer to an error, or undefined when it is not an HTTP error at all (a bug: the caller
 * logs it and answers 500). Messages never echo the request: Fastify's and Nest's own
 * messages quote the path or the body, so only the tables above are used.
 */
export function errorAnswerFor(error: unknown): ErrorAnswer | undefined {
  if (error instanceof SecureApiError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      headers: error.headers,
      fields: error.fields,
    };
  }
  const status = statusOf(error);
  if (status === undefined) return undefined;
  const [code, message] = BY_STATUS[status] ?? genericFor(status);
  const fastifyCode = (error as { code?: unknown }).code;
  const specific = typeof fastifyCode === 'string' ? BY_FASTIFY_CODE[fastifyCode] : undefined;
  return { status, code, message: specific ?? message };
}

export const INTERNAL_ERROR: ErrorAnswer = {
  status: 500,
  code: 'internal_error',
  message: 'Internal server error',
};

export function sendErrorAnswer(reply: FastifyReply, answer: ErrorAnswer): void {
  if (answer.headers) void reply.headers(answer.headers);
  void reply
    .status(answer.status)
    .type('application/json; charset=utf-8')
    .send({
      statusCode: answer.status,
      error: answer.code,
      message: answer.message,
      ...(answer.fields ? { fields: answer.fields } : {}),
    });
}
