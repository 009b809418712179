// The Studio flow shipped for import (studio/customer-lookup.flow.json): its structure is sound,
// and played through like Studio would for an incoming call, every Run Function widget reaches
// one of our functions with parameters that function accepts, against the real secure-api; the
// call SID it passes as idempotencyKey records a call once however often the flow is played.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerlessFunctionSignature } from '@twilio-labs/serverless-runtime-types/types';
import { handler as customerLookup } from '../src/functions/customer-lookup.protected';
import { handler as logInteraction } from '../src/functions/log-interaction.protected';
import { useFunctionFixture } from './support/function-fixture';
import { invoke, type Answer, type Env } from './support/invoke';
import { signedEvent } from './support/signing';

interface Transition {
  event: string;
  next?: string;
  conditions?: Array<{ arguments: string[]; type: string; value: string }>;
}
interface State {
  name: string;
  type: string;
  transitions: Transition[];
  properties: Record<string, unknown> & {
    url?: string;
    parameters?: Array<{ key: string; value: string }>;
    input?: string;
  };
}
interface Flow {
  initial_state: string;
  states: State[];
}

const flow = JSON.parse(
  readFileSync(join(__dirname, '..', 'studio', 'customer-lookup.flow.json'), 'utf8'),
) as Flow;
const byName = new Map(flow.states.map((state) => [state.name, state]));

/** The function each Run Function URL path reaches (the deployed service's paths). */
const FUNCTIONS: Record<string, ServerlessFunctionSignature> = {
  '/customer-lookup': customerLookup,
  '/log-interaction': logInteraction,
};
const FUNCTION_SOURCES: Record<string, string> = {
  '/customer-lookup': 'customer-lookup.protected.ts',
  '/log-interaction': 'log-interaction.protected.ts',
};

function state(name: string | undefined): State {
  const found = name === undefined ? undefined : byName.get(name);
  if (!found) throw new Error(`no widget named ${String(name)}`);
  return found;
}

function next(current: State, event: string): string | undefined {
  return current.transitions.find((t) => t.event === event)?.next;
}

/** Renders Studio's {{…}} Liquid references from a flat variable map. */
function render(template: string, variables: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
    if (!(path in variables)) throw new Error(`the flow reads ${path}, which nothing provides`);
    return String(variables[path]);
  });
}

describe('studio/customer-lookup.flow.json', () => {
  it('parses, and every transition points to an existing widget', () => {
    expect(byName.has(flow.initial_state)).toBe(true);
    expect(byName.size).toBe(flow.states.length); // widget names are unique
    for (const current of flow.states) {
      for (const transition of current.transitions) {
        if (transition.next !== undefined) expect(byName.has(transition.next)).toBe(true);
      }
    }
  });

  it('every Run Function widget calls one of our functions, with a Fail branch', () => {
    const runFunctions = flow.states.filter((s) => s.type === 'run-function');
    expect(runFunctions.length).toBeGreaterThan(0);
    for (const widget of runFunctions) {
      const path = new URL(String(widget.properties.url)).pathname;
      expect(Object.keys(FUNCTIONS)).toContain(path);
      const source = readFileSync(
        join(__dirname, '..', 'src', 'functions', FUNCTION_SOURCES[path]!),
        'utf8',
      );
      // Each parameter the widget sends is one the function documents in its header.
      for (const { key } of widget.properties.parameters ?? []) {
        expect(source).toMatch(new RegExp(`\\b${key}\\b`));
      }
      expect(next(widget, 'success')).toBeDefined();
      expect(next(widget, 'fail')).toBeDefined();
    }
  });

  describe('played through for an incoming call', () => {
    const fixture = useFunctionFixture({ api: 'secure-api', logs: 'all' });
    let env: Env;
    beforeAll(() => {
      env = fixture.env();
    });

    /** Runs the flow from its trigger; returns the widgets visited and the functions' answers. */
    async function play(
      from: string,
      callSid = `CA${randomBytes(16).toString('hex')}`,
    ): Promise<{ visited: string[]; answers: Answer[] }> {
      const variables: Record<string, unknown> = {
        'trigger.call.From': from,
        'trigger.call.CallSid': callSid,
      };
      const visited: string[] = [];
      const answers: Answer[] = [];
      let current: State | undefined = state(flow.initial_state);
      while (current && visited.length < 20) {
        visited.push(current.name);
        let event: string;
        if (current.type === 'trigger') {
          event = 'incomingCall';
        } else if (current.type === 'run-function') {
          const path = new URL(String(current.properties.url)).pathname;
          const params = Object.fromEntries(
            (current.properties.parameters ?? []).map((p) => [p.key, render(p.value, variables)]),
          );
          const answer = await invoke(FUNCTIONS[path]!, env, path, signedEvent(path, params));
          answers.push(answer);
          const ok = answer.status >= 200 && answer.status < 300;
          if (ok) {
            for (const [field, value] of Object.entries(answer.body as Record<string, unknown>)) {
              variables[`widgets.${current.name}.parsed.${field}`] = value;
            }
          }
          event = ok ? 'success' : 'fail';
        } else if (current.type === 'split-based-on') {
          const match: Transition | undefined = current.transitions.find(
            (t) =>
              t.event === 'match' &&
              t.conditions?.every(
                (c) => c.type === 'equal_to' && render(c.arguments[0]!, variables) === c.value,
              ),
          );
          current = match ? state(match.next) : byName.get(next(current, 'noMatch') ?? '');
          continue;
        } else {
          const say = current.properties.say;
          if (typeof say === 'string') render(say, variables); // every {{…}} it reads exists
          event = current.type === 'say-play' ? 'audioComplete' : 'next';
        }
        const target = next(current, event);
        current = target === undefined ? undefined : state(target);
      }
      return { visited, answers };
    }

    it('a known caller is greeted by name and the call is recorded', async () => {
      const { visited, answers } = await play('+15005550001');
      expect(visited).toEqual([
        'Trigger',
        'lookup',
        'split_found',
        'say_hello',
        'log_call',
        'say_goodbye',
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers[0]!.body).toMatchObject({ found: true, id: 'cus_001', name: 'Ada Lovelace' });
      expect(answers[1]!.body).toMatchObject({
        recorded: true,
        customerId: 'cus_001',
        channel: 'voice',
        replayed: false,
      });
    });

    it('FI15: the same call played again (a retry of the flow) is recorded once: the answer is a replay', async () => {
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      const first = await play('+15005550002', callSid);
      const again = await play('+15005550002', callSid);
      expect(first.answers[1]!.body).toMatchObject({ recorded: true, replayed: false });
      expect(again.answers[1]!.body).toEqual({ ...first.answers[1]!.body, replayed: true });
    });

    it('an unknown caller takes the fallback branch, not the failure branch', async () => {
      const { visited, answers } = await play('+15005559999');
      expect(visited).toEqual(['Trigger', 'lookup', 'split_found', 'say_unknown']);
      expect(answers[0]!.body).toEqual({ found: false, phone: '+15005559999' });
    });

    it('a call the function refuses takes the Fail branch to the apology', async () => {
      const { visited, answers } = await play('anonymous');
      expect(visited).toEqual(['Trigger', 'lookup', 'say_sorry']);
      expect(answers[0]!.status).toBe(400);
    });
  });
});
