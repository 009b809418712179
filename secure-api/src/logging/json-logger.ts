// Routes Nest's own log calls into Fastify's pino logger, so the process writes one kind of
// structured JSON line. Nest's bootstrap chatter (module and route mapping) goes to debug.
import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';

const BOOTSTRAP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export class JsonLogger implements LoggerService {
  constructor(private readonly pino: FastifyBaseLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = this.context(rest);
    this.write(
      context !== undefined && BOOTSTRAP_CONTEXTS.has(context) ? 'debug' : 'info',
      message,
      context,
    );
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, this.context(rest));
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, this.context(rest));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, this.context(rest));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, this.context(rest));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, this.context(rest));
  }

  private context(rest: unknown[]): string | undefined {
    const last = rest[rest.length - 1];
    return typeof last === 'string' ? last : undefined;
  }

  private write(level: Level, message: unknown, context: string | undefined): void {
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      const { msg, ...fields } = message as { msg?: unknown } & Record<string, unknown>;
      this.pino[level]({ context, ...fields }, typeof msg === 'string' ? msg : '');
      return;
    }
    const text = message instanceof Error ? `${message.name}: ${message.message}` : String(message);
    this.pino[level]({ context }, text);
  }
}
