// Captures what the functions write to the console (their one log line per invocation), so
// tests can read it and the test output stays quiet.
import { jest } from '@jest/globals';

export interface CapturedLogs {
  lines: string[];
  /** The parsed JSON log lines of the functions. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by assertions
  records: () => Array<Record<string, any>>;
  restore: () => void;
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    }),
  );
  return {
    lines,
    records: () =>
      lines.flatMap((line) => {
        try {
          const parsed = JSON.parse(line);
          return typeof parsed === 'object' && parsed && 'fn' in parsed ? [parsed] : [];
        } catch {
          return [];
        }
      }),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
