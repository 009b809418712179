// A stored document rendered as Sync's REST API renders it: snake_case, ISO 8601 dates
// without milliseconds, `revision` a string, `ttl` surfacing only as `date_expires`.
import { type StoredDocument } from './document-store';

export interface DocumentResource {
  sid: string;
  unique_name: string | null;
  account_sid: string;
  service_sid: string;
  url: string;
  links: { permissions: string };
  revision: string;
  data: unknown;
  date_expires: string | null;
  date_created: string;
  date_updated: string;
  created_by: string;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function documentResource(
  doc: StoredDocument,
  accountSid: string,
  baseUrl: string,
): DocumentResource {
  const url = `${baseUrl}/v1/Services/${doc.serviceSid}/Documents/${doc.sid}`;
  return {
    sid: doc.sid,
    unique_name: doc.uniqueName,
    account_sid: accountSid,
    service_sid: doc.serviceSid,
    url,
    links: { permissions: `${url}/Permissions` },
    revision: String(doc.revision),
    data: doc.data,
    date_expires: doc.dateExpires === null ? null : isoDate(doc.dateExpires),
    date_created: isoDate(doc.dateCreated),
    date_updated: isoDate(doc.dateUpdated),
    // What Sync records for documents written with account credentials over REST.
    created_by: 'system',
  };
}
