// Boots the real secure-api in-process (the same createApp main.ts uses) against a JWKS
// server of the test, with an in-memory database and captured JSON logs.
import { expect } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, type CreateAppOptions } from '../../src/app.factory.js';
import type { AuthTuning } from '../../src/app.module.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { AUDIENCE } from './tokens.js';

export type TestResponse = Awaited<ReturnType<TestApp['request']>>;

/** An error answer in the standard body: the status, its stable code and a message. */
export function expectErrorAnswer(
  response: Pick<TestResponse, 'statusCode' | 'json'>,
  status: number,
  error: string,
): void {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ statusCode: status, error, message: expect.any(String) });
}

/** A CORS preflight from `origin` asking to send `method` to `url`. */
export function preflight(
  api: TestApp,
  url: string,
  origin: string,
  method: string,
): Promise<TestResponse> {
  return api.request({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method },
  });
}

export interface TestApp {
  app: NestFastifyApplication;
  logs: string[];
  port: number;
  request(options: {
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS';
    url: string;
    token?: string;
    /** An array value sends the header once per entry (duplicate-header tests). */
    headers?: Record<string, string | string[]>;
    payload?: unknown;
  }): Promise<{
    statusCode: number;
    headers: Record<string, unknown>;
    body: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies under test
    json: () => any;
  }>;
  close(): Promise<void>;
}

export function testConfig(
  issuer: string,
  jwksUri: string,
  overrides: Partial<AppConfig> = {},
): AppConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    issuer,
    audience: AUDIENCE,
    jwksUri,
    databasePath: ':memory:',
    logLevel: 'debug',
    corsOrigins: [],
    enableApiDocs: false,
    ...overrides,
  };
}

/** Fast key-store timings so fault tests need no long waits. */
export const FAST_KEY_STORE: AuthTuning['keyStore'] = {
  failureBackoffMs: 0,
  unknownKidCooldownMs: 60_000,
  timeoutMs: 1_500,
};

export async function startTestApp(
  config: AppConfig,
  options: Omit<CreateAppOptions, 'logStream'> = {},
): Promise<TestApp> {
  const logs: string[] = [];
  const app = await createApp(config, {
    ...options,
    auth: { ...options.auth, keyStore: { ...FAST_KEY_STORE, ...options.auth?.keyStore } },
    logStream: { write: (line: string) => logs.push(line) },
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    logs,
    port,
    request: ({ method = 'GET', url, token, headers = {}, payload }) =>
      new Promise((resolve, reject) => {
        const body =
          payload === undefined
            ? undefined
            : typeof payload === 'string'
              ? payload
              : JSON.stringify(payload);
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            method,
            path: url,
            agent: false,
            headers: {
              ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              ...headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({
                statusCode: response.statusCode ?? 0,
                headers: response.headers,
                body: text,
                json: () => JSON.parse(text),
              });
            });
          },
        );
        request.on('error', reject);
        request.end(body);
      }),
    close: () => app.close(),
  };
}
