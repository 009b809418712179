// The edge of every function: the one place that turns an invocation into exactly one callback.
// It starts the Deadline, reads and checks configuration, checks the Twilio signature of the
// protected functions, runs the function's work, maps any error to `{ error: { code, message } }`
// with its status, writes the invocation's one log line, and answers DEADLINE_EXCEEDED itself if
// the work has not finished in time (Twilio would otherwise kill the invocation at 10 s with no
// useful answer for Studio).
import type {
  Context,
  ServerlessCallback,
  ServerlessFunctionSignature,
} from '@twilio-labs/serverless-runtime-types/types';
import type * as ConfigModule from './config.private';
import type * as DeadlineModule from './deadline.private';
import type * as ErrorsModule from './errors.private';
import type * as LogModule from './invocation-log.private';
import type * as SignatureModule from './twilio-signature.private';
import type * as Loader from './loader.private';

const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;
const config = shared<typeof ConfigModule>('lib/config');
const { Deadline } = shared<typeof DeadlineModule>('lib/deadline');
const { FunctionError, asFunctionError } = shared<typeof ErrorsModule>('lib/errors');
const { InvocationLog } = shared<typeof LogModule>('lib/invocation-log');
const { signedRequestOf, hasValidTwilioSignature } =
  shared<typeof SignatureModule>('lib/twilio-signature');

type FunctionError = ErrorsModule.FunctionError;
type Deadline = DeadlineModule.Deadline;
type InvocationLog = LogModule.InvocationLog;
type RuntimeResponse = InstanceType<typeof Twilio.Response>;

export type EventParams = Record<string, unknown>;

export interface Invocation {
  context: Context;
  event: EventParams;
  deadline: Deadline;
  log: InvocationLog;
  config: ConfigModule.ServiceConfig;
  /** Work to finish (bounded by the deadline) before answering, e.g. a refresh-ahead. */
  defer: (work: Promise<void>) => void;
}

export interface Answer {
  body: object | string;
  status?: number;
  html?: boolean;
}

export interface FunctionSpec {
  name: string;
  /** `protected` functions check X-Twilio-Signature themselves (twilio-run does not). */
  visibility: 'public' | 'protected';
  /** Answers 404 NOT_FOUND unless ENABLE_TEST_ENDPOINT=true. */
  testEndpoint?: boolean;
  run(invocation: Invocation): Promise<Answer>;
  /** An error answer in another form (e.g. HTML for a browser); JSON when undefined. */
  renderError?(error: FunctionError, event: EventParams): Answer | undefined;
}

/** Safety net under the Deadline: answer this long before the budget's end at the latest. */
const HARD_STOP_MS = 50;

export function defineFunction(spec: FunctionSpec): ServerlessFunctionSignature {
  return (context: Context, event: EventParams, callback: ServerlessCallback) => {
    const env = context as unknown as Record<string, unknown>;
    const log = new InvocationLog(spec.name);
    for (const name of [
      'AUTH0_CLIENT_SECRET',
      'AUTH0_CLIENT_ASSERTION_KEY',
      'AUTH_TOKEN',
      'DPOP_PRIVATE_KEY',
      'TOKEN_CACHE_KEY',
    ]) {
      const value = env[name];
      if (typeof value === 'string') log.addSecret(value);
    }
    const startedAt = Date.now();
    let budgetMs = config.DEFAULT_DEADLINE_MS;
    let deadlineError: FunctionError | null = null;
    try {
      budgetMs = config.readDeadlineMs(env);
    } catch (error) {
      deadlineError = asFunctionError(error);
    }
    const deadline = new Deadline(budgetMs);
    const deferred: Promise<void>[] = [];
    let answered = false;

    // Exactly one callback, whatever throws on the way: if the answer cannot be built (or the log
    // line written), a prebuilt 500 goes out instead.
    const answer = (result: Answer, code?: string): void => {
      if (answered) return;
      answered = true;
      clearTimeout(hardStop);
      let response: RuntimeResponse | undefined;
      try {
        response = responseFor(result, log);
        log.finish({ status: result.status ?? 200, code, totalMs: Date.now() - startedAt });
      } catch (error) {
        log.unexpectedError(error);
        log.finish({ status: 500, code: 'INTERNAL_ERROR', totalMs: Date.now() - startedAt });
      }
      try {
        callback(null, response ?? responseFor(FALLBACK_ANSWER, log));
      } catch {
        // Only a runtime without Twilio.Response, or a throwing callback, lands here: nothing is
        // left to answer with, and the invocation must not end in an unhandled rejection.
      }
    };
    const answerError = (thrown: unknown): void => {
      if (!(thrown instanceof FunctionError)) log.unexpectedError(thrown);
      const error = asFunctionError(thrown);
      const rendered = spec.renderError?.(error, event);
      const body = { error: { code: error.code, message: error.message, ...error.details } };
      answer(rendered ?? { status: error.status, body }, error.code);
    };
    const hardStop = setTimeout(
      () => answerError(new FunctionError('DEADLINE_EXCEEDED', 'The function ran out of time')),
      Math.max(0, budgetMs - HARD_STOP_MS),
    );

    const run = async (): Promise<Answer> => {
      if (spec.testEndpoint && !config.readEnableTestEndpoint(env)) {
        throw new FunctionError('NOT_FOUND', 'Not found');
      }
      if (deadlineError) throw deadlineError;
      if (spec.visibility === 'protected') {
        const check = config.readSignatureCheckConfig(env);
        if (check.validateSignature) {
          const valid = hasValidTwilioSignature(check.authToken, signedRequestOf(env, event));
          if (!valid) {
            throw new FunctionError('SIGNATURE_INVALID', 'Missing or invalid X-Twilio-Signature');
          }
        } else {
          log.event('signature_check_disabled');
        }
      }
      const serviceConfig = config.readServiceConfig(env);
      const result = await spec.run({
        context,
        event,
        deadline,
        log,
        config: serviceConfig,
        defer: (work) => deferred.push(work),
      });
      await waitForDeferred(deferred, deadline);
      return result;
    };
    void run().then(answer, async (error: unknown) => {
      await waitForDeferred(deferred, deadline);
      answerError(error);
    });
  };
}

/** The answer when even building the answer failed: fixed content, nothing to scrub or render. */
const FALLBACK_ANSWER: Answer = {
  status: 500,
  body: { error: { code: 'INTERNAL_ERROR', message: 'Unexpected internal error' } },
};

/** `result` as the runtime's response, every registered secret removed from its body. */
function responseFor(result: Answer, log: InvocationLog): RuntimeResponse {
  const response = new Twilio.Response();
  response.setStatusCode(result.status ?? 200);
  response.appendHeader('Cache-Control', 'no-store');
  const html = typeof result.body === 'string' || result.html;
  response.appendHeader(
    'Content-Type',
    html ? (result.html ? 'text/html; charset=utf-8' : 'text/plain') : 'application/json',
  );
  response.setBody(log.removeSecrets(result.body));
  return response;
}

/** Waits for deferred work to finish, but no longer than the deadline allows. */
async function waitForDeferred(work: Promise<void>[], deadline: Deadline): Promise<void> {
  if (work.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadline.remainingMs());
  });
  try {
    await Promise.race([Promise.allSettled(work), outOfTime]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a browser asked for HTML (`Accept: text/html`). */
export function acceptsHtml(event: EventParams): boolean {
  const headers = (event.request as { headers?: Record<string, unknown> } | undefined)?.headers;
  const accept = headers?.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}
