// The few lines printed once everything is healthy: where each part listens, the page to open
// first, how to call a protected function with a valid signature, and how to stop.
import { isAbsolute, relative } from 'node:path';
import { describeModes } from './security-modes';
import { type SystemConfig } from './system-config';

export function banner(c: SystemConfig, colour: boolean): string {
  const bold = (text: string): string => (colour ? `\u001b[1m${text}\u001b[0m` : text);
  const fromHere = relative(process.cwd(), c.stateDir);
  const state =
    fromHere === '' || fromHere.startsWith('..') || isAbsolute(fromHere) ? c.stateDir : fromHere;
  const rule = '─'.repeat(78);
  return [
    rule,
    bold('  Everything is up: no Auth0 or Twilio account involved.'),
    '',
    `  Open first     ${bold(c.urls.testApiCall)}`,
    `  Functions      ${c.urls.functions}   (twilio-run)`,
    `  secure-api     ${c.urls.api}   (API docs: ${c.urls.api}/docs)`,
    `  Auth0 stand-in ${c.urls.auth0}   (client ${c.auth0.clientId}, audience ${c.auth0.audience})`,
    `  Sync stand-in  ${c.urls.sync}   (service ${c.twilio.syncServiceSid})`,
    '',
    ...describeModes(c.modes).map((line) => `  ${line}`),
    '',
    "  Call a protected function, signed with this run's Twilio auth token:",
    '    npm run sign -w local-stack -- /customer-lookup phone=+15005550001',
    '    npm run sign -w local-stack -- /log-interaction customerId=cus_001 channel=voice summary="Asked about billing"',
    '',
    '  A Bearer token for curl against secure-api (see the README, "curl against the API"):',
    '    npm run token -w local-stack',
    '',
    `  Settings generated for this run: ${state}/ (your .env files are not used or changed)`,
    `  Stop everything: ${bold('Ctrl-C')}`,
    rule,
  ].join('\n');
}
