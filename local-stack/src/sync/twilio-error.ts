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
  authenticate: () =>
    new TwilioError(401, 20003, 'Authenticate', 'Your AccountSid or AuthToken was incorrect.'),
  // The REST API answers a missing resource (unknown document, unknown path) with its
  // generic 20404 naming the path; 54100 'Document not found' is what the Sync client SDKs
  // (JavaScript/mobile, over the websocket) report. See the closing note of issue 3.
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
