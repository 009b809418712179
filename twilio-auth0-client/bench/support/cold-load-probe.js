// A cold container, in a fresh Node process: the runtime's globals are set up first, as
// @twilio/runtime-handler 2.1.0's constructGlobalScope does (`Twilio` = the runtime's twilio SDK
// spread plus its Response class, `Runtime` whose getFunctions() maps names to built files,
// `Functions`, `Response`), then one built function (or axios alone) is loaded, and optionally
// invoked once with a context from the runtime's own constructContext. Prints one JSON line:
//   { loadMs, rssBytes, rssBeforeBytes, twilioEntryLoads, modules, answer }
// where twilioEntryLoads lists every require() of a twilio package entry point made by the
// function or its dependencies (while it loads or runs; not the runtime's own), and modules the files loaded after the globals were set.
// `Twilio` is filled in on first use: the runtime's SDK lives in the runtime's own module tree,
// apart from the function's dependencies, but here both trees share one node_modules (its axios
// among them), so loading it up front would pre-load the function's own dependencies and hide
// their cost. Whatever the function takes from `Twilio` is the same object either way.
// Plain JavaScript on purpose: the cold-start bench and the cold-load test both run it, and
// it must measure the built files with nothing of jest's or tsc's in the process.
// Usage: node cold-load-probe.js <job.json>, job = { functionsDir, load: name | 'axios',
//   packageDir, invoke?: { env, event, path, domain } }
'use strict';
const Module = require('node:module');
const { readFileSync, readdirSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fromPackage = Module.createRequire(join(job.packageDir, 'package.json'));
const devRuntime = dirname(fromPackage.resolve('@twilio/runtime-handler/dev'));
const fromRuntime = Module.createRequire(join(devRuntime, 'route.js'));
const runtimeRoot = resolve(devRuntime, '../..') + sep;

const { Response } = fromRuntime('./internal/response.js');
const { constructContext } = fromRuntime('./route.js');

function functionMap(dir, map = {}) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) functionMap(full, map);
    else if (entry.name.endsWith('.js')) {
      const name = relative(job.functionsDir, full).replace(/(\.private|\.protected)?\.js$/, '');
      map[name] = { path: full };
    }
  }
  return map;
}
const functions = functionMap(job.functionsDir);
// The runtime's SDK: twilio-run's requireFromProject picks the project's twilio when the
// project depends on it, as this one does (context.getTwilioClient() needs twilio 6).
let runtimeLoading = false;
let runtimeTwilio;
Object.defineProperty(global, 'Twilio', {
  configurable: true,
  enumerable: true,
  get() {
    if (!runtimeTwilio) {
      runtimeLoading = true;
      runtimeTwilio = { ...fromPackage('twilio'), Response };
      runtimeLoading = false;
    }
    return runtimeTwilio;
  },
});
global.Runtime = {
  getFunctions: () => functions,
  getAssets: () => ({}),
  getSync: () => {
    throw new Error('not provided');
  },
};
global.Functions = functions;
global.Response = Response;

// Every require() from here on, to find a twilio package entry point among them.
const TWILIO_ENTRY = /[\\/]node_modules[\\/]twilio[\\/]lib[\\/]index\.js$/;
const twilioEntryLoads = [];
const before = new Set(Object.keys(require.cache));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const filename = resolveFilename.call(this, request, parent, ...rest);
  // The runtime's own loads (the global above, context.getTwilioClient()) are the runtime's.
  const fromRuntimeCode = parent && parent.filename && parent.filename.startsWith(runtimeRoot);
  if (!runtimeLoading && !fromRuntimeCode && TWILIO_ENTRY.test(filename)) {
    twilioEntryLoads.push({ request, from: parent && parent.filename });
  }
  return filename;
};

const rssBeforeBytes = process.memoryUsage().rss;
const started = performance.now();
const loaded = job.load === 'axios' ? fromPackage('axios') : require(functions[job.load].path);
const loadMs = performance.now() - started;
const rssBytes = process.memoryUsage().rss;

function report(answer) {
  const modules = Object.keys(require.cache).filter((file) => !before.has(file));
  process.stdout.write(
    `${JSON.stringify({ loadMs, rssBytes, rssBeforeBytes, twilioEntryLoads, modules, answer })}\n`,
  );
  process.exit(0);
}

if (!job.invoke) {
  report(null);
} else {
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, log() {} };
  console.log = () => undefined; // the function's one log line per invocation
  const { env, event, path, domain } = job.invoke;
  const context = constructContext(
    { url: `http://${domain}`, env, logger: quiet, baseDir: job.packageDir },
    path,
  );
  loaded.handler(context, event, (error, response) => {
    report(
      error
        ? { error: String(error) }
        : typeof response.serialize === 'function'
          ? response.serialize()
          : response,
    );
  });
}
