/**
 * /log-interaction — records a customer interaction in secure-api, for Studio.
 *
 * Purpose: at the end of a call or chat, the flow writes what happened to the customer's history.
 * Parameters: `customerId` (e.g. `cus_001`, from /customer-lookup), `channel` (`voice`, `sms`,
 *   `whatsapp` or `chat`), `summary` (1-500 characters), optional `occurredAt` (ISO-8601).
 *   Checked before any upstream call.
 * Response (200, flat): `{ recorded: true, interactionId, customerId, channel, occurredAt }`.
 *   Failure: non-2xx `{ error: { code, message } }`: 400 BAD_REQUEST naming the field,
 *   403 SIGNATURE_INVALID, 404 NOT_FOUND for an unknown customer, 5xx for configuration, token
 *   or API trouble. A POST is not retried after a 5xx: it may have been recorded.
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
const { apiMessage } = shared<typeof ApiClientModule>('lib/api-client');
const { AuthorizedApi } = shared<typeof ApiModule>('lib/authorized-api');
const { FunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { defineFunction } = shared<typeof HandlerModule>('lib/function-handler');
const { readInteraction } = shared<typeof ParamsModule>('lib/request-params');

export const handler = defineFunction({
  name: 'log-interaction',
  visibility: 'protected',
  async run({ context, event, deadline, log, config, defer }) {
    const { customerId, channel, summary, occurredAt } = readInteraction(event);
    const api = AuthorizedApi.fromContext(context, config, log);
    try {
      const { response } = await api.call(
        {
          method: 'POST',
          path: `/customers/${encodeURIComponent(customerId)}/interactions`,
          body: occurredAt ? { channel, summary, occurredAt } : { channel, summary },
        },
        deadline,
      );
      const body = (response.body ?? {}) as Record<string, unknown>;
      if (response.status === 201 || response.status === 200) {
        return {
          body: {
            recorded: true,
            interactionId: body.id,
            customerId,
            channel,
            occurredAt: body.occurredAt,
          },
        };
      }
      if (response.status === 404) {
        throw new FunctionError('NOT_FOUND', `Customer ${customerId} not found`, {
          details: { field: 'customerId' },
        });
      }
      if (response.status === 400) {
        throw new FunctionError(
          'BAD_REQUEST',
          log.scrubUpstream(apiMessage(response.body)) ?? 'API refused the interaction',
        );
      }
      throw new FunctionError('API_ERROR', `API answered ${response.status} to the interaction`);
    } finally {
      defer(api.whenBackgroundWorkDone());
    }
  },
});
