// The Sync documents of every service, in memory, optionally mirrored to a JSON file so a
// restarted stand-in keeps them. Expiry is exact and checked on every access: a document
// past its date_expires is gone (real Sync deletes it "within minutes"; exact is stricter
// and makes expiry testable).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { LocalStackError } from '../shared/local-stack-error';
import { newDocumentSid, DOCUMENT_SID } from './sids';

export interface StoredDocument {
  serviceSid: string;
  sid: string;
  uniqueName: string | null;
  data: unknown;
  /** Incremented on every write; exposed as a string like Twilio's `revision`. */
  revision: number;
  dateCreated: number;
  dateUpdated: number;
  dateExpires: number | null;
}

interface PersistedFile {
  version: 1;
  documents: StoredDocument[];
}

export class DocumentStore {
  private readonly bySid = new Map<string, StoredDocument>();

  constructor(private readonly persistPath?: string) {
    if (persistPath && existsSync(persistPath)) this.load(persistPath);
  }

  find(serviceSid: string, sidOrName: string, now = Date.now()): StoredDocument | undefined {
    this.purgeExpired(now);
    if (DOCUMENT_SID.test(sidOrName)) {
      const doc = this.bySid.get(sidOrName);
      return doc?.serviceSid === serviceSid ? doc : undefined;
    }
    for (const doc of this.bySid.values()) {
      if (doc.serviceSid === serviceSid && doc.uniqueName === sidOrName) return doc;
    }
    return undefined;
  }

  /** The service's documents, oldest first (Twilio lists in creation order). */
  list(serviceSid: string, now = Date.now()): StoredDocument[] {
    this.purgeExpired(now);
    return [...this.bySid.values()].filter((d) => d.serviceSid === serviceSid);
  }

  create(
    serviceSid: string,
    fields: { uniqueName: string | null; data: unknown; ttlSeconds: number },
    now = Date.now(),
  ): StoredDocument {
    const doc: StoredDocument = {
      serviceSid,
      sid: newDocumentSid(),
      uniqueName: fields.uniqueName,
      data: fields.data,
      revision: 0,
      dateCreated: now,
      dateUpdated: now,
      dateExpires: expiry(fields.ttlSeconds, now),
    };
    this.bySid.set(doc.sid, doc);
    this.save();
    return doc;
  }

  update(
    doc: StoredDocument,
    fields: { data?: unknown; ttlSeconds?: number },
    now = Date.now(),
  ): StoredDocument {
    if (fields.data !== undefined) doc.data = fields.data;
    if (fields.ttlSeconds !== undefined) doc.dateExpires = expiry(fields.ttlSeconds, now);
    doc.revision += 1;
    doc.dateUpdated = now;
    this.save();
    return doc;
  }

  remove(doc: StoredDocument): void {
    this.bySid.delete(doc.sid);
    this.save();
  }

  private purgeExpired(now: number): void {
    let removed = false;
    for (const [sid, doc] of this.bySid) {
      if (doc.dateExpires !== null && now >= doc.dateExpires) {
        this.bySid.delete(sid);
        removed = true;
      }
    }
    if (removed) this.save();
  }

  private load(path: string): void {
    try {
      const file = JSON.parse(readFileSync(path, 'utf8')) as PersistedFile;
      for (const doc of file.documents) this.bySid.set(doc.sid, doc);
    } catch {
      throw new LocalStackError('PERSISTENCE_FAILED', `Cannot read Sync documents from ${path}`);
    }
  }

  private save(): void {
    if (!this.persistPath) return;
    const file: PersistedFile = { version: 1, documents: [...this.bySid.values()] };
    const tmp = `${this.persistPath}.tmp`;
    try {
      // Write then rename: a crash mid-write never leaves a truncated file behind.
      writeFileSync(tmp, JSON.stringify(file));
      renameSync(tmp, this.persistPath);
    } catch {
      throw new LocalStackError(
        'PERSISTENCE_FAILED',
        `Cannot write Sync documents to ${this.persistPath}`,
      );
    }
  }
}

/** Ttl 0 (Twilio's default) means the document never expires. */
function expiry(ttlSeconds: number, now: number): number | null {
  return ttlSeconds > 0 ? now + ttlSeconds * 1000 : null;
}
