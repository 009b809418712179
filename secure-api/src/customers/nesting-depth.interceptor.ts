// Refuses a JSON body nested deeper than any legitimate request (400 validation_failed).
// class-transformer and class-validator walk bodies recursively, before validation can drop
// unknown fields: arrays nested ~1,500 deep overflow the stack there. Interceptors run before
// pipes, so the check happens first; it walks the body with an explicit stack, not recursion.
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { SecureApiError } from '../errors/secure-api.error.js';

/** The interaction body is flat (depth 1); 32 leaves room and stays far from the stack limit. */
export const MAX_BODY_DEPTH = 32;

export function depthExceeds(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

@Injectable()
export class NestingDepthInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = context.switchToHttp().getRequest<{ body?: unknown }>().body;
    if (depthExceeds(body, MAX_BODY_DEPTH)) {
      throw new SecureApiError('validation_failed', 'The request body is nested too deeply', {
        status: 400,
        reason: `JSON nesting deeper than ${MAX_BODY_DEPTH}`,
      });
    }
    return next.handle();
  }
}

export const NestingDepthLimit = (): MethodDecorator & ClassDecorator =>
  UseInterceptors(NestingDepthInterceptor);
