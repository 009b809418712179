// Virtual Studio callers: signed invocations of the protected functions at a steady rate, in the
// mix a Studio flow makes (a lookup of the caller, known or unknown, and a logged interaction
// with the call's CallSid as its idempotency key). A failed invocation is tried once more a
// second later with the same parameters, as a flow retries after *Fail*. Bounded in count (the
// planned number of invocations plus one retry each) and in time (each call times out), and
// loopback only: the URL is the local twilio-run's.
import { randomBytes } from 'node:crypto';
import { postSigned } from '../bin/signed-request';
import { type FailureCode } from './fault-schedule';

export type CallKind = 'lookup-known' | 'lookup-unknown' | 'interaction';

export interface InvocationRecord {
  seq: number;
  kind: CallKind;
  /** 1 for the first try, 2 for the flow's retry. */
  attempt: number;
  /** The interaction's CallSid (also its idempotency key); undefined for lookups. */
  callSid?: string;
  /** Milliseconds from the start of the load. */
  startMs: number;
  endMs: number;
  /** HTTP status, or null when nothing answered. */
  status: number | null;
  ok: boolean;
  code: FailureCode | null;
  /** From /log-interaction's answer, when the function reports it. */
  replayed?: boolean;
  interactionId?: string;
}

export interface LoadOptions {
  functionsUrl: string;
  authToken: string;
  /** Invocations per second (first tries). */
  rate: number;
  seconds: number;
  /** The rate multiplier at a given second of the load (1 outside a burst). */
  rateFactor: (atS: number) => number;
  /** Marks this run's interactions (the summary starts with it). */
  runId: string;
  /** Every response text, for the secrets scan. */
  onResponseText: (text: string) => void;
  /** Set when the run must stop early (a part died). */
  signal: AbortSignal;
  clientTimeoutMs?: number;
  retryDelayMs?: number;
  /** The clock's zero (epoch ms), shared with the fault schedule; default: now. */
  startedAt?: number;
}

export const KNOWN_CUSTOMERS = [
  { id: 'cus_001', phone: '+15005550001' },
  { id: 'cus_002', phone: '+15005550002' },
  { id: 'cus_003', phone: '+447700900003' },
  { id: 'cus_004', phone: '+15005550004' },
] as const;
const CHANNELS = ['voice', 'sms', 'whatsapp', 'chat'] as const;
const TICK_MS = 50;
/** More than this many calls in flight means the system has stopped answering: stop adding. */
const MAX_IN_FLIGHT = 400;

/** The call mix, out of ten: four known lookups, one unknown, five interactions. */
export function callKindOf(seq: number): CallKind {
  const slot = seq % 10;
  if (slot < 4) return 'lookup-known';
  if (slot === 4) return 'lookup-unknown';
  return 'interaction';
}

export function interactionSummary(runId: string, callSid: string): string {
  return `${runId} call ${callSid}`;
}

export interface LoadResult {
  records: InvocationRecord[];
  /** First tries not sent because too many calls were in flight. */
  notSent: number;
}

export async function runStudioLoad(o: LoadOptions): Promise<LoadResult> {
  const records: InvocationRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const clientTimeoutMs = o.clientTimeoutMs ?? 15_000;
  const retryDelayMs = o.retryDelayMs ?? 1000;
  let seq = 0;
  let notSent = 0;
  let due = 0;
  const startedAt = o.startedAt ?? Date.now();
  const now = () => Date.now() - startedAt;

  const invoke = async (
    kind: CallKind,
    mySeq: number,
    params: Record<string, string>,
    attempt: number,
    callSid?: string,
  ): Promise<void> => {
    const path = kind === 'interaction' ? '/log-interaction' : '/customer-lookup';
    const startMs = now();
    const record: InvocationRecord = {
      seq: mySeq,
      kind,
      attempt,
      ...(callSid === undefined ? {} : { callSid }),
      startMs,
      endMs: startMs,
      status: null,
      ok: false,
      code: 'NO_ANSWER',
    };
    try {
      const response = await postSigned({
        url: `${o.functionsUrl}${path}`,
        params,
        authToken: o.authToken,
        timeoutMs: clientTimeoutMs,
      });
      o.onResponseText(response.text);
      record.status = response.status;
      Object.assign(record, judge(kind, params, response.status, response.body));
    } catch {
      // Refused, reset or timed out: NO_ANSWER stays.
    }
    record.endMs = now();
    records.push(record);
    if (!record.ok && attempt === 1 && !o.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      await invoke(kind, mySeq, params, 2, callSid);
    }
  };

  const launch = (): void => {
    const mySeq = seq++;
    if (inFlight.size >= MAX_IN_FLIGHT) {
      notSent += 1;
      return;
    }
    const kind = callKindOf(mySeq);
    const { params, callSid } = paramsFor(kind, mySeq, o.runId);
    const work = invoke(kind, mySeq, params, 1, callSid);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  // Integrates the rate over time: each tick sends what is due since the last one, so a slow
  // tick does not lower the rate, and the total is bounded by rate × seconds × the burst factor.
  let lastS = 0;
  while (!o.signal.aborted) {
    const atS = Math.min(now() / 1000, o.seconds);
    due += (atS - lastS) * o.rate * o.rateFactor(lastS);
    lastS = atS;
    while (due >= 1) {
      due -= 1;
      launch();
    }
    if (atS >= o.seconds) break;
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  while (inFlight.size > 0) await Promise.race(inFlight);
  records.sort((a, b) => a.startMs - b.startMs);
  return { records, notSent };
}

function paramsFor(
  kind: CallKind,
  seq: number,
  runId: string,
): { params: Record<string, string>; callSid?: string } {
  const customer = KNOWN_CUSTOMERS[seq % KNOWN_CUSTOMERS.length]!;
  if (kind === 'lookup-known') return { params: { phone: customer.phone } };
  if (kind === 'lookup-unknown') {
    return { params: { phone: `+1500555${String(9000 + (seq % 1000)).padStart(4, '0')}` } };
  }
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  return {
    callSid,
    params: {
      customerId: customer.id,
      channel: CHANNELS[seq % CHANNELS.length]!,
      summary: interactionSummary(runId, callSid),
      // Studio passes {{trigger.call.CallSid}}; functions that know it send it as the
      // API's Idempotency-Key, older ones ignore it.
      idempotencyKey: callSid,
    },
  };
}

/** Whether an answer is the right one for the call, and its failure code when it is not. */
export function judge(
  kind: CallKind,
  params: Record<string, string>,
  status: number,
  body: unknown,
): Pick<InvocationRecord, 'ok' | 'code' | 'replayed' | 'interactionId'> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (status !== 200) {
    const error = b.error as { code?: unknown } | undefined;
    const code = typeof error?.code === 'string' ? (error.code as FailureCode) : 'WRONG_ANSWER';
    return { ok: false, code };
  }
  if (kind === 'lookup-known') {
    const right = b.found === true && b.phone === params.phone;
    return { ok: right, code: right ? null : 'WRONG_ANSWER' };
  }
  if (kind === 'lookup-unknown') {
    const right = b.found === false;
    return { ok: right, code: right ? null : 'WRONG_ANSWER' };
  }
  const right = b.recorded === true && typeof b.interactionId === 'string';
  return {
    ok: right,
    code: right ? null : 'WRONG_ANSWER',
    ...(typeof b.replayed === 'boolean' ? { replayed: b.replayed } : {}),
    ...(typeof b.interactionId === 'string' ? { interactionId: b.interactionId } : {}),
  };
}
