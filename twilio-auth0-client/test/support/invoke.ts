// Runs a function handler the way twilio-run does: a context from the runtime's own
// constructContext (so getTwilioClient is the runtime's), an event with `request.headers`, and a
// callback whose calls are counted.
import { resolve } from 'node:path';
import { constructContext } from './runtime-handler';
import type {
  Context,
  ServerlessCallback,
  ServerlessFunctionSignature,
} from '@twilio-labs/serverless-runtime-types/types';

export type Env = Record<string, string>;
type Handler = ServerlessFunctionSignature;

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  // Loosely typed on purpose: tests read whatever JSON the function answered.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The body as the client would receive it (JSON text or HTML). */
  text: string;
  /** How many times the function called back (read again later to check it stays 1). */
  calls: () => number;
}

const BASE_DIR = resolve(__dirname, '../..');
export const LOCAL_DOMAIN = 'localhost:3000';

export function contextFor(env: Env, path: string): Context {
  const logger = { info() {}, warn() {}, error() {}, debug() {}, log() {} };
  return constructContext(
    { url: `http://${LOCAL_DOMAIN}`, env, logger, baseDir: BASE_DIR },
    path,
  ) as Context;
}

export function eventFor(
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
): Record<string, unknown> {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { request: { headers: { host: LOCAL_DOMAIN, ...lower }, cookies: {} }, ...params };
}

export function invoke(
  handler: Handler,
  env: Env,
  path: string,
  event: Record<string, unknown> = eventFor(),
): Promise<Answer> {
  let calls = 0;
  return new Promise((resolveAnswer, reject) => {
    const callback: ServerlessCallback = (error, payload) => {
      calls += 1;
      if (calls > 1) return;
      if (error) {
        reject(new Error('the function called back with an error instead of a response'));
        return;
      }
      const response = payload as {
        statusCode: number;
        headers: Record<string, unknown>;
        body: unknown;
      };
      const text =
        typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      resolveAnswer({
        status: response.statusCode,
        headers: response.headers,
        body: typeof response.body === 'string' ? safeJson(response.body) : response.body,
        text,
        calls: () => calls,
      });
    };
    void handler(contextFor(env, path), event as Parameters<Handler>[1], callback);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
