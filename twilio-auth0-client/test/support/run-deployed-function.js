// Runs one built function the way the deployed Twilio runtime does, in a plain Node process:
// the function files sit side by side under names that say nothing of their source (as
// deployed), the runtime's globals (Runtime with getFunctions/getAssets, Twilio) are set, and the
// handler gets a context, an event and a callback — nothing else. Prints the callback's answer
// (and how many times it was called) as one JSON line.
// Usage: node run-deployed-function.js <job.json>
'use strict';
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const devRuntime = dirname(require.resolve('@twilio/runtime-handler/dev'));
const { Response } = require(join(devRuntime, 'internal/response.js'));
const { constructContext } = require(join(devRuntime, 'route.js'));
const twilio = require('twilio');

const functions = Object.fromEntries(
  Object.entries(job.functions).map(([name, path]) => [name, { path }]),
);
global.Runtime = { getFunctions: () => functions, getAssets: () => ({}) };
global.Twilio = { ...twilio, Response };

const quiet = { info() {}, warn() {}, error() {}, debug() {}, log() {} };
const context = constructContext(
  { url: `http://${job.domain}`, env: job.env, logger: quiet, baseDir: job.baseDir },
  job.path,
);
let calls = 0;
let answer = null;
const { handler } = require(functions[job.run].path);
handler(context, job.event, (error, response) => {
  calls += 1;
  if (calls > 1) return;
  answer = error
    ? { error: String(error) }
    : typeof response.serialize === 'function'
      ? response.serialize()
      : response;
  // Report after a pause, so that a second callback would be counted.
  setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ calls, answer })}\n`);
    process.exit(0);
  }, 300);
});
