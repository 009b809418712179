// The one loader of this service's shared modules. Deployed, Twilio loads each function file on
// its own and relative imports do not resolve: shared modules are *.private functions, required
// by path through the runtime's function map. Every file reaches this loader the same way, in one
// line: `const { shared } = module.require(Runtime.getFunctions()['lib/loader']!.path) as typeof Loader;`

/** The shared module `name` (its key in the runtime's function map, e.g. `lib/errors`). */
export function shared<T>(name: string): T {
  const entry = Runtime.getFunctions()[name];
  if (!entry) throw new TypeError(`No shared module ${name} in the runtime's function map`);
  return module.require(entry.path) as T;
}
