/**
 * /customer-lookup — finds the caller in secure-api, for Studio's *Run Function* widget.
 *
 * Purpose: Studio passes the caller's number; the flow branches on `found` and greets by name.
 * Parameters: `phone` — E.164, `+` and 8-15 digits (Studio: `{{trigger.call.From}}`). Any other
 *   parameter is refused. Checked before any upstream call.
 * Response (200, flat for `{{widgets.NAME.parsed.FIELD}}`):
 *   `{ found: true, id, name, tier, phone }`, or `{ found: false, phone }` when no customer has
 *   that number (a normal branch for the flow, not a failure).
 *   Failure: non-2xx `{ error: { code, message } }` (Studio takes the widget's *Fail* transition):
 *   400 BAD_REQUEST naming the field (or the unknown parameters), 403 SIGNATURE_INVALID, 5xx for configuration, token or API
 *   trouble.
 * Visibility: protected — Twilio checks X-Twilio-Signature when deployed; this function checks it
 *   too (twilio-run does not), unless VALIDATE_TWILIO_SIGNATURE=false.
 */
import type * as ApiClientModule from './lib/api-client.private';
import type * as ApiModule from './lib/authorized-api.private';
import type * as ErrorsModule from './lib/errors.private';
import type * as HandlerModule from './lib/function-handler.private';
import type * as ParamsModule from './lib/request-params.private';
import type * as Loader from './lib/loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const { apiErrorCode, apiMessage } = shared<typeof ApiClientModule>('lib/api-client');
const { AuthorizedApi } = shared<typeof ApiModule>('lib/authorized-api');
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { defineFunction } = shared<typeof HandlerModule>('lib/function-handler');
const { readPhone } = shared<typeof ParamsModule>('lib/request-params');

interface Customer {
  id: string;
  name: string;
  tier: string;
  phone: string;
}

function isCustomer(body: unknown): body is Customer {
  if (typeof body !== 'object' || body === null) return false;
  const c = body as Record<string, unknown>;
  return ['id', 'name', 'tier', 'phone'].every((key) => typeof c[key] === 'string');
}

export const handler = defineFunction({
  name: 'customer-lookup',
  visibility: 'protected',
  async run({ context, event, deadline, log, config, defer }) {
    const phone = readPhone(event);
    const api = AuthorizedApi.fromContext(context, config, log);
    try {
      const { response } = await api.call(
        { method: 'GET', path: '/customers', query: { phone } },
        deadline,
      );
      if (response.status === 200 && isCustomer(response.body)) {
        const { id, name, tier } = response.body;
        log.set('found', true);
        return { body: { found: true, id, name, tier, phone: response.body.phone } };
      }
      if (response.status === 404 && apiErrorCode(response.body) === 'customer_not_found') {
        log.set('found', false);
        return { body: { found: false, phone } };
      }
      if (response.status === 400) {
        throw new FunctionError(
          'BAD_REQUEST',
          log.scrubUpstream(apiMessage(response.body)) ?? 'API refused the phone',
          {
            details: { field: 'phone' },
          },
        );
      }
      throw new FunctionError('API_ERROR', `API answered ${response.status} to the lookup`);
    } finally {
      defer(api.whenBackgroundWorkDone());
    }
  },
});
