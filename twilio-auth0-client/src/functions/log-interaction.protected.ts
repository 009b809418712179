/**
 * /log-interaction — records a customer interaction in secure-api, for Studio.
 *
 * Purpose: at the end of a call or chat, the flow writes what happened to the customer's history,
 *   once per call however often the flow or this function retries.
 * Parameters: `customerId` (e.g. `cus_001`, from /customer-lookup), `channel` (`voice`, `sms`,
 *   `whatsapp` or `chat`), `summary` (1-500 characters), optional `occurredAt` (ISO-8601),
 *   optional `idempotencyKey` (1-255 visible ASCII characters; Studio: `{{trigger.call.CallSid}}`,
 *   else a random key per invocation). Any other parameter is refused. Checked before any
 *   upstream call.
 * Response (200, flat): `{ recorded: true, interactionId, customerId, channel, occurredAt,
 *   replayed }`; `replayed: true` when the API already held this key's interaction (a retry).
 *   Failure: non-2xx `{ error: { code, message } }`: 400 BAD_REQUEST naming the field (or the
 *   unknown parameters), 422 BAD_REQUEST when `idempotencyKey` was used for another interaction,
 *   403 SIGNATURE_INVALID, 404 NOT_FOUND for an unknown customer, 5xx for configuration, token or
 *   API trouble. The POST carries an Idempotency-Key, so it is retried once, within the deadline,
 *   after a timeout, a dropped connection or a 5xx, with the same key and body.
 * Visibility: protected — Twilio checks X-Twilio-Signature when deployed; this function checks it
 *   too (twilio-run does not), unless VALIDATE_TWILIO_SIGNATURE=false.
 */
import { randomUUID } from 'node:crypto';
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
const { readInteraction } = shared<typeof ParamsModule>('lib/request-params');

export const handler = defineFunction({
  name: 'log-interaction',
  visibility: 'protected',
  async run({ context, event, deadline, log, config, defer }) {
    const { customerId, channel, summary, occurredAt, idempotencyKey } = readInteraction(event);
    const api = AuthorizedApi.fromContext(context, config, log);
    try {
      const { response } = await api.call(
        {
          method: 'POST',
          path: `/customers/${encodeURIComponent(customerId)}/interactions`,
          // Built once: every retry must send the same body, or the API refuses the key (422).
          body: occurredAt ? { channel, summary, occurredAt } : { channel, summary },
          idempotencyKey: idempotencyKey ?? randomUUID(),
        },
        deadline,
      );
      const body = (response.body ?? {}) as Record<string, unknown>;
      if (response.status === 201 || response.status === 200) {
        const replayed = response.replayed === true;
        log.set('replayed', replayed);
        return {
          body: {
            recorded: true,
            interactionId: body.id,
            customerId,
            channel,
            occurredAt: body.occurredAt,
            replayed,
          },
        };
      }
      if (response.status === 404) {
        throw new FunctionError('NOT_FOUND', `Customer ${customerId} not found`, {
          details: { field: 'customerId' },
        });
      }
      if (response.status === 422 && apiErrorCode(response.body) === 'idempotency_key_reused') {
        throw new FunctionError(
          'BAD_REQUEST',
          'idempotencyKey was already used for another interaction',
          { status: 422, details: { field: 'idempotencyKey' } },
        );
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
