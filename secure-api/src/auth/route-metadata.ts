// Route metadata the global guards read on every request (is the route public? which scopes
// does it need?), resolved once per handler and controller class. Reflector walks
// reflect-metadata's maps on every call, while a route's decorators never change once the
// app has started. Keyed by handler and then class: a handler inherited by two controllers is
// one function with two possible answers.
import type { ExecutionContext, Type } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

type Handler = (...args: never[]) => unknown;

export class RouteMetadata<T> {
  private readonly resolved = new WeakMap<Handler, WeakMap<Type, { value: T | undefined }>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  /** The handler's value, else its controller's (as Reflector.getAllAndOverride). */
  of(context: ExecutionContext): T | undefined {
    const handler = context.getHandler() as Handler;
    const controller = context.getClass();
    let byClass = this.resolved.get(handler);
    if (!byClass) {
      byClass = new WeakMap();
      this.resolved.set(handler, byClass);
    }
    let entry = byClass.get(controller);
    if (!entry) {
      entry = {
        value: this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, controller]),
      };
      byClass.set(controller, entry);
    }
    return entry.value;
  }
}
