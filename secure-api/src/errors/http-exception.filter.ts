// The one place where errors become HTTP answers: SecureApiError is copied as is (status,
// headers, code, message); Nest's and Fastify's own errors are mapped to the stable codes;
// anything else is a 500 `internal_error` whose details go to the log only.
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type ErrorCode, SecureApiError } from './secure-api.error.js';

interface ErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Readonly<Record<string, string>>;
  fields?: Readonly<Record<string, string>>;
}

const BY_STATUS: Record<number, [ErrorCode, string]> = {
  400: ['validation_failed', 'The request is malformed'],
  401: ['unauthorized', 'A bearer token is required'],
  404: ['not_found', 'No such route'],
  405: ['method_not_allowed', 'Method not allowed'],
  413: ['payload_too_large', 'The request body is too large'],
  415: ['unsupported_media_type', 'Send the body as application/json'],
};

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const answer = this.answerFor(error);
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

  private answerFor(error: unknown): ErrorAnswer {
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
    if (status !== undefined) {
      const [code, message] = BY_STATUS[status] ?? [
        'validation_failed',
        'The request is malformed',
      ];
      if (
        status === 400 &&
        (error as { code?: unknown }).code === 'FST_ERR_CTP_INVALID_JSON_BODY'
      ) {
        return { status, code, message: 'The request body is not valid JSON' };
      }
      return { status: BY_STATUS[status] ? status : 400, code, message };
    }
    this.logger.error({
      msg: 'unhandled error',
      name: error instanceof Error ? error.name : typeof error,
      reason: error instanceof Error ? error.message : undefined,
    });
    return { status: 500, code: 'internal_error', message: 'Internal server error' };
  }
}
