// Twilio Sync's REST API v1, Documents subset, on loopback — what the `twilio` SDK calls
// once `client.sync.baseUrl` points here: create, fetch (by unique name or sid), update
// (with If-Match), delete and list, with Twilio's status codes, error codes and JSON.
// Plain node:http: the surface is five routes and no library mirrors it.
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { readControlJson } from '../shared/control-request';
import { answerSharedControlRoute } from '../shared/control-routes';
import { sendJson, sendNoContent } from '../shared/json-response';
import { LocalStackError } from '../shared/local-stack-error';
import { isFromLoopback } from '../shared/loopback';
import { listenOnLoopback, LOOPBACK_HOST } from '../shared/loopback-server';
import { mediaType, readBody } from '../shared/request-body';
import { documentResource } from './document-resource';
import { DocumentStore, type StoredDocument } from './document-store';
import { ACCOUNT_SID, SERVICE_SID } from './sids';
import { DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN } from './sync-defaults';
import { invalidSyncFault, type SyncFault, SyncFaultPlan } from './sync-faults';
import { TwilioError, twilioErrors } from './twilio-error';

export interface SyncStandInOptions {
  port?: number;
  accountSid?: string;
  authToken?: string;
  persistPath?: string;
  enableControl?: boolean;
  log?: (line: string) => void;
}

export interface SyncCounters {
  requests: number;
  reads: number;
  writes: number;
  creates: number;
  updates: number;
  conflicts: number;
}

export interface SyncStandIn {
  url: string;
  accountSid: string;
  authToken: string;
  counters(): SyncCounters;
  resetCounters(): void;
  injectFault(f: SyncFault): void;
  clearFaults(): void;
  documents(serviceSid: string): Array<{ unique_name: string; data: unknown; revision: string }>;
  close(): Promise<void>;
}

/** Sync's limit on a document's data: 16 KiB of JSON. */
const MAX_DATA_BYTES = 16 * 1024;
/** Form encoding can triple the size of Data; anything past this is refused unread. */
const MAX_BODY_BYTES = 4 * MAX_DATA_BYTES + 4096;
/** Twilio's maximum Ttl: one year. */
const MAX_TTL_SECONDS = 31_536_000;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_SLOW_MS = 1000;

const DOCUMENTS_PATH = /^\/v1\/Services\/([^/]+)\/Documents(?:\/([^/]+))?\/?$/;

export async function startSyncStandIn(o: SyncStandInOptions = {}): Promise<SyncStandIn> {
  const accountSid = o.accountSid ?? DEFAULT_ACCOUNT_SID;
  const authToken = o.authToken ?? DEFAULT_AUTH_TOKEN;
  if (!ACCOUNT_SID.test(accountSid)) {
    throw new LocalStackError('INVALID_OPTION', 'accountSid must be AC followed by 32 hex digits');
  }
  if (!/^[0-9a-f]{32}$/.test(authToken)) {
    throw new LocalStackError('INVALID_OPTION', 'authToken must be 32 hex digits');
  }
  const store = new DocumentStore(o.persistPath);
  const faults = new SyncFaultPlan();
  const pendingDelays = new Set<NodeJS.Timeout>();
  const counters = zeroCounters();
  let baseUrl = '';

  function authorised(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    if (!/^basic /i.test(header)) return false;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return (
      decoded.slice(0, colon) === accountSid && sameSecret(decoded.slice(colon + 1), authToken)
    );
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const read = await readBody(req, MAX_BODY_BYTES);
    if (!read.ok) throw twilioErrors.tooLarge();
    const type = mediaType(req);
    if (type !== '' && type !== 'application/x-www-form-urlencoded') {
      throw twilioErrors.invalidParameter('Content-Type must be application/x-www-form-urlencoded');
    }
    return new URLSearchParams(read.body.toString('utf8'));
  }

  function checkRevision(req: IncomingMessage, doc: StoredDocument): void {
    const ifMatch = req.headers['if-match'];
    if (ifMatch === undefined || ifMatch === '*') return;
    if (ifMatch.replace(/^"|"$/g, '') !== String(doc.revision)) {
      counters.conflicts += 1;
      throw twilioErrors.revisionMismatch();
    }
  }

  const render = (doc: StoredDocument) => documentResource(doc, accountSid, baseUrl);

  async function documentsRoute(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    serviceSid: string,
    id: string | undefined,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'GET') counters.reads += 1;
    else counters.writes += 1;
    const resourcePath = url.pathname.replace(/^\/v1/, '');

    if (id === undefined) {
      if (method === 'GET') return listRoute(res, url, serviceSid);
      if (method !== 'POST') throw twilioErrors.methodNotAllowed();
      const form = await readForm(req);
      const uniqueName = form.get('UniqueName') || null;
      const data = parseData(form.get('Data')) ?? {};
      const ttlSeconds = parseTtl(form.get('Ttl')) ?? 0;
      if (uniqueName !== null && store.find(serviceSid, uniqueName)) {
        counters.conflicts += 1;
        throw twilioErrors.uniqueNameExists();
      }
      const doc = store.create(serviceSid, { uniqueName, data, ttlSeconds });
      counters.creates += 1;
      return sendJson(res, 201, render(doc));
    }

    const doc = store.find(serviceSid, id);
    if (method === 'POST') {
      // Read the body first: a missing document answers 404 on a fully read request.
      const form = await readForm(req);
      if (!doc) throw twilioErrors.notFound(resourcePath);
      checkRevision(req, doc);
      const data = parseData(form.get('Data'));
      const ttlSeconds = parseTtl(form.get('Ttl'));
      const updated = store.update(doc, {
        ...(data === undefined ? {} : { data }),
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
      });
      counters.updates += 1;
      return sendJson(res, 200, render(updated));
    }
    if (!doc) throw twilioErrors.notFound(resourcePath);
    if (method === 'GET') return sendJson(res, 200, render(doc));
    if (method === 'DELETE') {
      checkRevision(req, doc);
      store.remove(doc);
      return sendNoContent(res);
    }
    throw twilioErrors.methodNotAllowed();
  }

  function listRoute(res: ServerResponse, url: URL, serviceSid: string): void {
    const pageSize = clampInt(
      url.searchParams.get('PageSize'),
      DEFAULT_PAGE_SIZE,
      1,
      MAX_PAGE_SIZE,
    );
    const page = clampInt(url.searchParams.get('Page'), 0, 0, Number.MAX_SAFE_INTEGER);
    const all = store.list(serviceSid);
    const items = all.slice(page * pageSize, (page + 1) * pageSize);
    const listUrl = `${baseUrl}/v1/Services/${serviceSid}/Documents`;
    const pageUrl = (p: number) => `${listUrl}?PageSize=${pageSize}&Page=${p}`;
    sendJson(res, 200, {
      documents: items.map(render),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: (page + 1) * pageSize < all.length ? pageUrl(page + 1) : null,
        key: 'documents',
      },
    });
  }

  const api = {
    counters: (): SyncCounters => ({ ...counters }),
    resetCounters: (): void => void Object.assign(counters, zeroCounters()),
    injectFault(f: SyncFault): void {
      const problem = invalidSyncFault(f);
      if (problem) throw new LocalStackError('INVALID_OPTION', `Invalid fault: ${problem}`);
      faults.add(f);
    },
    clearFaults: (): void => faults.clear(),
    documents: (serviceSid: string) =>
      store.list(serviceSid).map((d) => ({
        unique_name: d.uniqueName ?? d.sid,
        data: d.data,
        revision: String(d.revision),
      })),
  };

  async function controlRoute(req: IncomingMessage, res: ServerResponse, path: string) {
    const route = `${req.method ?? 'GET'} ${path}`;
    if (answerSharedControlRoute(route, res, api)) return;
    if (route === 'PUT /__control/faults') {
      // Replaces the whole queue in one step, so no request slips between a clear and a queue.
      const list = (await readControlJson(req)) as { faults?: unknown } | undefined;
      const problem = !Array.isArray(list?.faults)
        ? 'body must be { faults: [...] }'
        : list.faults.map((f: unknown) => invalidSyncFault(f)).find(Boolean);
      if (problem) return sendJson(res, 400, { error: 'invalid_request', message: problem });
      faults.clear();
      for (const fault of list!.faults as unknown[]) faults.add(fault as SyncFault);
      return sendJson(res, 200, { faults: (list!.faults as unknown[]).length });
    }
    if (route === 'POST /__control/faults') {
      const body = await readControlJson(req);
      const problem = body === undefined ? 'body must be JSON' : invalidSyncFault(body);
      if (problem) return sendJson(res, 400, { error: 'invalid_request', message: problem });
      faults.add(body as SyncFault);
      return sendJson(res, 200, { injected: body });
    }
    return sendJson(res, 404, { error: 'not_found', message: 'Unknown control route' });
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/__control/') && o.enableControl) {
      if (!isFromLoopback(req)) {
        return sendJson(res, 403, { error: 'forbidden', message: 'Loopback only' });
      }
      return controlRoute(req, res, url.pathname);
    }
    counters.requests += 1;
    try {
      const fault = faults.take();
      if (fault?.kind === 'unavailable') throw twilioErrors.unavailable();
      if (fault?.kind === 'slow') await delay(fault.delayMs ?? DEFAULT_SLOW_MS);
      if (!authorised(req)) {
        throw twilioErrors.authenticate(req.headers.authorization !== undefined);
      }
      const match = DOCUMENTS_PATH.exec(url.pathname);
      const serviceSid = match?.[1];
      if (!match || !serviceSid || !SERVICE_SID.test(serviceSid)) {
        throw twilioErrors.notFound(url.pathname.replace(/^\/v1/, ''));
      }
      const id = match[2] === undefined ? undefined : decodeSegment(match[2]);
      await documentsRoute(req, res, url, serviceSid, id);
    } catch (err) {
      if (!(err instanceof TwilioError)) throw err;
      sendJson(res, err.status, err.body());
    }
  }

  const server = await listenOnLoopback(
    o.port ?? 0,
    handle,
    (_req, res) => sendJson(res, 500, twilioErrors.internal().body()),
    o.log,
  );
  baseUrl = `http://${LOOPBACK_HOST}:${server.port}`;
  return {
    url: baseUrl,
    accountSid,
    authToken,
    ...api,
    async close(): Promise<void> {
      for (const timer of pendingDelays) clearTimeout(timer);
      pendingDelays.clear();
      await server.close();
    },
  };
}

function zeroCounters(): SyncCounters {
  return { requests: 0, reads: 0, writes: 0, creates: 0, updates: 0, conflicts: 0 };
}

/** Data as sent by the SDK (a JSON string); undefined when absent. */
function parseData(raw: string | null): unknown {
  if (raw === null) return undefined;
  if (Buffer.byteLength(raw, 'utf8') > MAX_DATA_BYTES) throw twilioErrors.tooLarge();
  try {
    const data: unknown = JSON.parse(raw);
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) return data;
  } catch {
    // falls through to the refusal below
  }
  throw twilioErrors.invalidParameter('Invalid Data: must be a JSON object');
}

function parseTtl(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const ttl = Number(raw);
  if (!/^\d+$/.test(raw) || ttl > MAX_TTL_SECONDS) {
    throw twilioErrors.invalidParameter(
      `Invalid Ttl: must be an integer from 0 to ${MAX_TTL_SECONDS}`,
    );
  }
  return ttl;
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
