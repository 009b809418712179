// Jest setup: the globals the Twilio Functions runtime gives a function (Runtime, Twilio), as
// twilio-run builds them, with Runtime.getFunctions() pointing at the TypeScript sources so the
// handlers load their *.private modules exactly as they do when deployed.
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import twilio from 'twilio';
import { Response } from './runtime-handler';

const FUNCTIONS_ROOT = resolve(__dirname, '../../src/functions');

function privateModules(dir: string, map: Record<string, { path: string }> = {}) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) privateModules(full, map);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const name = relative(FUNCTIONS_ROOT, full)
        .replace(/\\/g, '/')
        .replace(/(\.private|\.protected)?\.ts$/, '');
      map[name] = { path: full };
    }
  }
  return map;
}

const functions = privateModules(FUNCTIONS_ROOT);
const globals = globalThis as Record<string, unknown>;
globals.Runtime = {
  getFunctions: () => functions,
  getAssets: () => ({}),
};
globals.Twilio = { ...twilio, Response };
