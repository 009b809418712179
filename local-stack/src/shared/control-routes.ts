// The /__control routes every stand-in shares (counters, reset, clearing faults); each
// stand-in adds its own routes and answers errors in its service's body shape.
import { type ServerResponse } from 'node:http';
import { sendJson } from './json-response';

export interface ControlledStandIn {
  counters(): object;
  resetCounters(): void;
  clearFaults(): void;
}

/** Answers `route` ('METHOD /path') when it is a shared one; false otherwise. */
export function answerSharedControlRoute(
  route: string,
  res: ServerResponse,
  standIn: ControlledStandIn,
): boolean {
  switch (route) {
    case 'GET /__control/counters':
      sendJson(res, 200, standIn.counters());
      return true;
    case 'POST /__control/reset':
      standIn.resetCounters();
      sendJson(res, 200, standIn.counters());
      return true;
    case 'DELETE /__control/faults':
      standIn.clearFaults();
      sendJson(res, 200, { cleared: true });
      return true;
    default:
      return false;
  }
}
