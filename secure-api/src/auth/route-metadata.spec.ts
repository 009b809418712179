import { describe, expect, it } from '@jest/globals';
import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteMetadata } from './route-metadata.js';

const KEY = 'test:flag';

class Base {
  shared(): void {}
  @SetMetadata(KEY, 'handler')
  marked(): void {}
}
@SetMetadata(KEY, 'class')
class Marked extends Base {}
class Plain extends Base {}

function contextOf(controller: new () => Base, method: keyof Base): ExecutionContext {
  const handler = Base.prototype[method];
  return { getHandler: () => handler, getClass: () => controller } as unknown as ExecutionContext;
}

describe('RouteMetadata', () => {
  it('answers as Reflector.getAllAndOverride: the handler first, then the controller', () => {
    const flag = new RouteMetadata<string>(new Reflector(), KEY);
    expect(flag.of(contextOf(Plain, 'marked'))).toBe('handler');
    expect(flag.of(contextOf(Marked, 'marked'))).toBe('handler');
    expect(flag.of(contextOf(Marked, 'shared'))).toBe('class');
    expect(flag.of(contextOf(Plain, 'shared'))).toBeUndefined();
  });

  it('keeps one answer per handler and controller, also for an inherited handler', () => {
    const reflector = new Reflector();
    let lookups = 0;
    const counting = Object.assign(Object.create(reflector) as Reflector, {
      getAllAndOverride: (...args: Parameters<Reflector['getAllAndOverride']>) => {
        lookups += 1;
        return reflector.getAllAndOverride(...args);
      },
    });
    const flag = new RouteMetadata<string>(counting, KEY);
    for (let i = 0; i < 3; i += 1) {
      expect(flag.of(contextOf(Marked, 'shared'))).toBe('class');
      expect(flag.of(contextOf(Plain, 'shared'))).toBeUndefined();
    }
    expect(lookups).toBe(2);
  });
});
