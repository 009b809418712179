// Twilio resource identifiers: two letters naming the resource type, then 32 hex digits.
import { randomBytes } from 'node:crypto';

export const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
export const SERVICE_SID = /^IS[0-9a-f]{32}$/;
export const DOCUMENT_SID = /^ET[0-9a-f]{32}$/;

export function newDocumentSid(): string {
  return `ET${randomBytes(16).toString('hex')}`;
}
