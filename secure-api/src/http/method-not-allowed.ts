// 405 `method_not_allowed`, with an `Allow` header, for a known path asked with a method it
// does not serve (DELETE /secure, POST /health, TRACE, OPTIONS …). Fastify would answer 404
// (its router matches method and path together), so after Nest has registered its routes,
// every path of a controller gets one more Fastify route for the methods it lacks.
//
// That route authenticates like the path's own routes: it runs through Nest's
// ExternalContextCreator with the controller and a handler carrying the route's metadata, so
// the global guards (and any guard on the controller or the route) decide first, and an
// anonymous caller gets the 401 the route would give, not a 405 telling it more. The route's
// scopes are left out: they authorise one method, and no method is going to run.
import { type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ExternalContextCreator, MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { REQUIRED_SCOPES } from '../auth/require-scopes.decorator.js';
import { SecureApiError } from '../errors/secure-api.error.js';

type Handler = (...args: unknown[]) => unknown;

interface ControllerRoute {
  controller: object;
  methodName: string;
  handler: Handler;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return typeof value === 'string' ? [value] : [];
}

/** Nest's path for a controller prefix and a route path: one leading slash, none trailing. */
function joinPath(prefix: string, path: string): string {
  const segments = `${prefix}/${path}`.split('/').filter((segment) => segment !== '');
  return `/${segments.join('/')}`;
}

/** Every path a controller serves, with the routes that serve it. */
function controllerRoutes(app: INestApplication): Map<string, ControllerRoute[]> {
  const scanner = new MetadataScanner();
  const byPath = new Map<string, ControllerRoute[]>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.instance as object | undefined;
      if (!controller || !wrapper.metatype) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, wrapper.metatype));
      const prototype = Object.getPrototypeOf(controller) as Record<string, unknown>;
      for (const methodName of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName] as Handler;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        for (const prefix of prefixes.length > 0 ? prefixes : ['']) {
          for (const path of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
            const url = joinPath(prefix, path);
            byPath.set(url, [...(byPath.get(url) ?? []), { controller, methodName, handler }]);
          }
        }
      }
    }
  }
  return byPath;
}

/** A protected route if the path has one, so the strictest authentication applies. */
function authenticatingRoute(routes: readonly ControllerRoute[]): ControllerRoute {
  const isPublic = (route: ControllerRoute): boolean =>
    (Reflect.getMetadata(IS_PUBLIC, route.handler) ??
      Reflect.getMetadata(IS_PUBLIC, route.controller.constructor)) === true;
  return routes.find((route) => !isPublic(route)) ?? routes[0]!;
}

function methodNotAllowed(allowed: readonly string[]): SecureApiError {
  const allow = allowed.join(', ');
  return new SecureApiError('method_not_allowed', `This route allows only ${allow}`, {
    status: 405,
    headers: { allow },
    reason: 'method not served on this path',
  });
}

/** A handler that fails with 405, carrying the route's metadata except its scopes. */
function refusingHandler(route: ControllerRoute, allowed: readonly string[]): Handler {
  const refuse: Handler = () => {
    throw methodNotAllowed(allowed);
  };
  for (const key of Reflect.getMetadataKeys(route.handler) as unknown[]) {
    if (key === REQUIRED_SCOPES) continue;
    Reflect.defineMetadata(key, Reflect.getMetadata(key, route.handler), refuse);
  }
  return refuse;
}

/** Call after `app.init()` (Nest's routes exist) and before `listen()` (Fastify not ready). */
export function answerWrongMethods(app: INestApplication, fastify: FastifyInstance): void {
  const contexts = app.get(ExternalContextCreator);
  for (const [url, routes] of controllerRoutes(app)) {
    const methods = [...fastify.supportedMethods] as HTTPMethods[];
    const allowed = methods.filter((method) => fastify.hasRoute({ method, url }));
    // Our path arithmetic must agree with Nest's: a path Fastify does not know is a bug here.
    if (allowed.length === 0) throw new Error(`no Fastify route for the controller path ${url}`);
    const missing = methods.filter((method) => !allowed.includes(method));
    if (missing.length === 0) continue;
    const route = authenticatingRoute(routes);
    const run = contexts.create(
      route.controller,
      refusingHandler(route, allowed),
      route.methodName,
    ) as (...args: unknown[]) => Promise<unknown>;
    fastify.route({
      method: missing,
      url,
      handler: async (request, reply) => {
        await run(request, reply);
        return reply;
      },
    });
  }
}
