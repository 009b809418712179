// Test helper: the whole system as the end-to-end tests start it (the launcher's startSystem with
// its control routes, in a temporary state directory), their check when it stops (every process
// it started has exited), and their client-secret token request.
import { expect } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SecurityModes } from '../src/launcher/security-modes';
import { startSystem, type RunningSystem } from '../src/launcher/system';
import { isAlive } from './process-state';

export interface E2eSystem {
  system: RunningSystem;
  stateDir: string;
}

/**
 * Starts the system in a new state directory named with `prefix`; each line the parts print is
 * kept in `output` as `[part] line` (and echoed when E2E_VERBOSE=true).
 */
export async function startE2eSystem(
  prefix: string,
  output: string[],
  modes?: SecurityModes,
): Promise<E2eSystem> {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const system = await startSystem({
      stateDir,
      enableControl: true,
      ...(modes === undefined ? {} : { modes }),
      output: (part, line) => {
        output.push(`[${part}] ${line}`);
        if (process.env.E2E_VERBOSE === 'true') process.stdout.write(`[${part}] ${line}\n`);
      },
    });
    return { system, stateDir };
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the system (if it started), expects none of its processes left, removes its state. */
export async function stopE2eSystem(
  system: RunningSystem | undefined,
  stateDir: string | undefined,
): Promise<void> {
  const pids = system?.pids() ?? [];
  await system?.stop();
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}

/** A token request to the system's Auth0 stand-in with this client secret (JSON, as SDKs send). */
export function tokenRequestWithSecret(
  system: RunningSystem,
  clientSecret: string | undefined,
): Promise<Response> {
  return fetch(`${system.urls.auth0}oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: system.config.auth0.clientId,
      client_secret: clientSecret,
      audience: system.config.auth0.audience,
    }),
  });
}
