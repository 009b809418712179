// Request validation (class-validator DTOs) whose failures become one 400
// `validation_failed` naming each bad field.
import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { SecureApiError } from './secure-api.error.js';

function collect(errors: ValidationError[], prefix: string, into: Record<string, string>): void {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) into[field] = messages.join('; ');
    if (error.children?.length) collect(error.children, field, into);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: false,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields: Record<string, string> = {};
      collect(errors, '', fields);
      const names = Object.keys(fields);
      return new SecureApiError(
        'validation_failed',
        names.length ? `Invalid: ${names.join(', ')}` : 'The request is malformed',
        { status: 400, fields },
      );
    },
  });
}
