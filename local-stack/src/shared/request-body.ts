// Reads a request body with a size cap, so a stand-in never buffers an unbounded upload.
import { type IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' };

export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) overflow = true;
      // Keep draining so the response can still be written on a keep-alive socket.
      if (!overflow) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        overflow ? { ok: false, reason: 'too-large' } : { ok: true, body: Buffer.concat(chunks) },
      ),
    );
    req.on('error', reject);
  });
}

/** The media type of a request, lower-cased, without parameters such as charset. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
