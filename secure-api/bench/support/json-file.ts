// Reads and writes the bench's JSON files; writes them formatted by the repository's prettier
// setup so that `prettier --check` stays clean on the committed results.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as prettier from 'prettier';

export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  const text = await prettier.format(JSON.stringify(value), { ...options, filepath: file });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export function readJsonFile<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
}
