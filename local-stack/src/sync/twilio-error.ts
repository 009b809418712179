// Twilio's REST error: a status and a numeric code, serialised as Twilio does
// (`{code, message, more_info, status}`, plus `detail` where Twilio adds one). The twilio
// SDK turns this body into a RestException with the same status and code.
import { LocalStackError } from '../shared/local-stack-error';

export class TwilioError extends LocalStackError {
  constructor(
    readonly status: number,
    readonly twilioCode: number,
    message: string,
    readonly detail?: string,
  ) {
    super('REQUEST_REFUSED', message);
  }

  body(): Record<string, unknown> {
    return {
      code: this.twilioCode,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.twilioCode}`,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
  }
}

export const twilioErrors = {
  // Body as Twilio's own client libraries' fixtures record it (code, detail, message).
  authenticate: (credentialsGiven: boolean) =>
    new TwilioError(
      401,
      20003,
      credentialsGiven ? 'Authenticate' : 'Authentication Error - No credentials provided',
      'Your AccountSid or AuthToken was incorrect.',
    ),
  // 20404, not 54100. The REST API (what the twilio SDK calls) answers a missing Sync
  // resource with its generic not-found, naming the path: twilio-ruby issue #722 shows
  // "[HTTP 404] 20404 ... The requested resource /Services//Maps//Items was not found" from
  // Sync's REST API, and code written against live Sync checks `err.code === 20404` after
  // a documents(name).update() on a missing document. 54100 'Document not found' is what the
  // Sync client SDK (twilio-sync, over its websocket) reports, not the REST API.
  notFound: (path: string) =>
    new TwilioError(404, 20404, `The requested resource ${path} was not found`),
  revisionMismatch: () =>
    new TwilioError(
      412,
      54103,
      'The revision of the Document does not match the expected revision',
    ),
  uniqueNameExists: () => new TwilioError(409, 54301, 'Unique name already exists'),
  tooLarge: () => new TwilioError(413, 54006, 'Request entity too large'),
  invalidParameter: (message: string) => new TwilioError(400, 20001, message),
  methodNotAllowed: () => new TwilioError(405, 20004, 'Method not allowed'),
  unavailable: () => new TwilioError(503, 20503, 'Service unavailable'),
  internal: () => new TwilioError(500, 20500, 'Internal server error'),
};
