// Request bodies: JSON in UTF-8 only. Fastify ships parsers for JSON and text/plain, and Nest
// adds one for forms; every route of this API takes JSON, and the OpenAPI spec says so. So
// all parsers are removed and one is added back: Fastify's own JSON parser (with its
// prototype-poisoning checks) behind a charset check. Any other media type is then refused by
// Fastify with 415 before a guard or a handler runs, so a form body is never stored.
import { MIMEType } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { SecureApiError } from '../errors/secure-api.error.js';

/** RFC 8259: JSON exchanged between systems is UTF-8; `utf8` is a common alias. */
const UTF8_NAMES = new Set(['utf-8', 'utf8']);

export function unsupportedMediaType(reason: string): SecureApiError {
  return new SecureApiError(
    'unsupported_media_type',
    'Send the body as application/json; charset=utf-8',
    { status: 415, reason },
  );
}

/** True for no charset parameter (JSON's default) or UTF-8 in any spelling case. */
export function isUtf8Json(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  let charset: string | null;
  try {
    charset = new MIMEType(contentType).params.get('charset');
  } catch {
    return false;
  }
  return charset === null || UTF8_NAMES.has(charset.toLowerCase());
}

export function acceptOnlyUtf8Json(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (!isUtf8Json(request.headers['content-type'])) {
      done(unsupportedMediaType('charset is not UTF-8'), undefined);
      return;
    }
    void parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), done);
  });
}
