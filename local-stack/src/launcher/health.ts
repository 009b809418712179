// Waiting until a part is ready to serve: a stand-in says so with a `ready <url>` line,
// secure-api with 200 on GET /health/ready, twilio-run by answering HTTP at all. Each wait
// gives up when the part exits or its time runs out, naming the part and what it printed.
import { LocalStackError } from '../shared/local-stack-error';
import { type ManagedChild } from './child-process-group';
import { PARTS } from './parts';

const POLL_INTERVAL_MS = 150;
const PROBE_TIMEOUT_MS = 2000;

const READY_LINE = /^ready\s+(\S+)/;

export async function waitForReadyLine(child: ManagedChild, timeoutMs: number): Promise<string> {
  const readyUrl = (line: string): string | undefined => READY_LINE.exec(line.trim())?.[1];
  // The line may already have been printed (it is a stand-in's first line).
  const seen = child
    .lastLines()
    .map(readyUrl)
    .find((url) => url !== undefined);
  if (seen !== undefined) return seen;
  let unsubscribe = (): void => {};
  const ready = new Promise<string>((resolve) => {
    unsubscribe = child.onLine((line) => {
      const url = readyUrl(line);
      if (url !== undefined) resolve(url);
    });
  });
  try {
    return await raceWithExitAndTimeout(child, ready, timeoutMs);
  } finally {
    unsubscribe();
  }
}

/** Polls `url` until `accept(status)`; connection errors count as "not yet". */
export async function waitForHttp(
  child: ManagedChild,
  url: string,
  accept: (status: number) => boolean,
  timeoutMs: number,
): Promise<void> {
  let done = false;
  const poll = (async () => {
    while (!done) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        await response.body?.cancel();
        if (accept(response.status)) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  })();
  try {
    await raceWithExitAndTimeout(child, poll, timeoutMs);
  } finally {
    done = true;
  }
}

async function raceWithExitAndTimeout<T>(
  child: ManagedChild,
  work: Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const title = PARTS[child.spec.part].title;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new LocalStackError(
          'PART_NOT_READY',
          `The ${title} was not ready after ${Math.round(timeoutMs / 1000)} s.${tail(child)}`,
        ),
      );
    }, timeoutMs);
  });
  const exit = child.exited.then((info): never => {
    const how = info.signal === null ? `code ${String(info.code)}` : `signal ${info.signal}`;
    throw new LocalStackError(
      'PART_EXITED',
      `The ${title} exited (${how}) while starting.${tail(child)}`,
    );
  });
  // The part may exit long after it became ready; that later rejection is nobody's concern here.
  exit.catch(() => {});
  try {
    return await Promise.race([work, timeout, exit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The part's last output lines, indented, for an error message. */
export function tail(child: ManagedChild): string {
  const lines = child.lastLines();
  return lines.length === 0
    ? ' It printed nothing.'
    : `\nIts last lines:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}
