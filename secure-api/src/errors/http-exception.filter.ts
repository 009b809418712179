// The one place where errors inside Nest become HTTP answers (mapping in error-answer.ts):
// SecureApiError is copied as is (status, headers, code, message); Nest's and Fastify's own
// errors keep their status with a stable code; anything else is a 500 `internal_error` whose
// details go to the log only.
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { errorAnswerFor, INTERNAL_ERROR, sendErrorAnswer } from './error-answer.js';
import { SecureApiError } from './secure-api.error.js';

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const answer = errorAnswerFor(error);
    // A SecureApiError is an answer chosen on purpose (its reason goes to the debug log where
    // it is thrown); anything else ending in a 5xx is worth a log line.
    if (!(error instanceof SecureApiError) && (answer === undefined || answer.status >= 500))
      this.logUnexpected(error);
    sendErrorAnswer(reply, answer ?? INTERNAL_ERROR);
  }

  /** Name and message only: a stack or the error's own fields could carry request data. */
  private logUnexpected(error: unknown): void {
    this.logger.error({
      msg: 'unhandled error',
      name: error instanceof Error ? error.name : typeof error,
      reason: error instanceof Error ? error.message : undefined,
    });
  }
}
