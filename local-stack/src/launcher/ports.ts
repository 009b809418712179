// Which port each part listens on, and whether those ports are free before anything starts:
// a clear message naming the port and the variable that moves it beats a child's EADDRINUSE.
import { createServer } from 'node:net';
import { LocalStackError } from '../shared/local-stack-error';
import { PART_NAMES, PARTS, type PartName } from './parts';

export type PartPorts = Record<PartName, number>;

/** Ports from the environment (LOCAL_AUTH0_PORT, LOCAL_SYNC_PORT, API_PORT or PORT, FUNCTIONS_PORT). */
export function portsFromEnvironment(env: NodeJS.ProcessEnv): PartPorts {
  const ports = {} as PartPorts;
  for (const part of PART_NAMES) {
    const { portVariables, defaultPort } = PARTS[part];
    const variable = portVariables.find((name) => (env[name] ?? '').trim() !== '');
    ports[part] = variable === undefined ? defaultPort : parsePort(variable, env[variable] ?? '');
  }
  return ports;
}

function parsePort(variable: string, raw: string): number {
  const port = Number(raw.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LocalStackError('INVALID_PORT', `${variable}=${raw} is not a port number (1-65535).`);
  }
  return port;
}

/**
 * Whether nothing listens on the port. Binds the wildcard address (as twilio-run does): on
 * Linux that also collides with a listener on 127.0.0.1 or ::1, so it detects every case.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port the kernel just handed out as free (for embedded runs and tests). */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Replaces 0 by a free port, then fails with one message listing every busy port. */
export async function resolvePorts(requested: Partial<PartPorts>): Promise<PartPorts> {
  const ports = {} as PartPorts;
  const busy: PartName[] = [];
  for (const part of PART_NAMES) {
    const wanted = requested[part] ?? 0;
    if (wanted === 0) {
      ports[part] = await pickFreePort();
      continue;
    }
    ports[part] = wanted;
    if (!(await isPortFree(wanted))) busy.push(part);
  }
  if (busy.length > 0) {
    throw new LocalStackError(
      'PORT_IN_USE',
      [
        ...busy.map((part) => busyPortLine(part, ports[part])),
        'Stop whatever holds it (perhaps another `npm start`), or choose another port, e.g.',
        `  ${busy.map((part) => `${portVariable(part)}=${ports[part] + 1}`).join(' ')} npm start`,
      ].join('\n'),
    );
  }
  const values = Object.values(ports);
  if (new Set(values).size !== values.length) {
    throw new LocalStackError(
      'INVALID_PORT',
      `Two parts were given the same port: ${describePorts(ports)}.`,
    );
  }
  return ports;
}

function portVariable(part: PartName): string {
  return PARTS[part].portVariables[0] ?? '';
}

function busyPortLine(part: PartName, port: number): string {
  return `Port ${port} is already in use (needed by the ${PARTS[part].title}; change it with ${portVariable(part)}).`;
}

function describePorts(ports: PartPorts): string {
  return PART_NAMES.map((part) => `${part} ${ports[part]}`).join(', ');
}
