// Reads the JSON body of a /__control request (small, from tests and the benchmark).
import { type IncomingMessage } from 'node:http';
import { readBody } from './request-body';

const MAX_CONTROL_BODY_BYTES = 16 * 1024;

/** The parsed body, or undefined when it is missing, too large or not JSON. */
export async function readControlJson(req: IncomingMessage): Promise<unknown> {
  const read = await readBody(req, MAX_CONTROL_BODY_BYTES);
  if (!read.ok) return undefined;
  try {
    return JSON.parse(read.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
