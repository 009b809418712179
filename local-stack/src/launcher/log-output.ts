// Turns the children's output into one prefixed line each (`[auth0] …`), aligned, coloured
// only on a terminal. secure-api's JSON log lines are shortened to their message and fields.
import { type PartName } from './parts';

const COLOURS: Record<PartName | 'launcher', string> = {
  auth0: '\u001b[35m',
  sync: '\u001b[36m',
  api: '\u001b[32m',
  functions: '\u001b[33m',
  launcher: '\u001b[1m',
};
const RESET = '\u001b[0m';
const PREFIX_WIDTH = '[functions]'.length;
// Colour escapes a child may print; stripped so a piped log stays plain text.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

export type LogTarget = PartName | 'launcher';

export interface LineWriter {
  write(chunk: string): unknown;
}

export function createPrefixedOutput(
  out: LineWriter,
  colour: boolean,
): (part: LogTarget, line: string) => void {
  return (part, line) => {
    const prefix = `[${part}]`.padEnd(PREFIX_WIDTH);
    const text = readableLine(line.replace(ANSI_ESCAPE, ''));
    out.write(colour ? `${COLOURS[part]}${prefix}${RESET} ${text}\n` : `${prefix} ${text}\n`);
  };
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const NOISE = new Set(['time', 'pid', 'hostname', 'level', 'msg', 'v']);

/** `{"level":30,"msg":"listening","url":"…"}` → `info listening url=…`; other lines unchanged. */
export function readableLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || !('msg' in record)) return line;
  const fields = record as Record<string, unknown>;
  const level =
    typeof fields.level === 'number'
      ? (PINO_LEVELS[fields.level] ?? '')
      : typeof fields.level === 'string'
        ? fields.level
        : '';
  const extras = Object.entries(fields)
    .filter(([key, value]) => !NOISE.has(key) && value !== undefined && value !== null)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean)}`,
    );
  return [level, String(fields.msg as string), ...extras].filter((part) => part !== '').join(' ');
}
