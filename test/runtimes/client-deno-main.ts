/**
 * Deno entry of the runtime test: runs the client scenario with Deno's global WebSocket and
 * prints the result as one JSON line. Arguments: subscriber URL, publisher URL.
 */
import * as client from '../../src/client/index.ts';
import { runClientScenario } from './client-scenario.ts';

declare const Deno: { args: string[] };

const [subscriberUrl, publisherUrl] = Deno.args;
if (!subscriberUrl || !publisherUrl) {
  throw new Error('Usage: deno run client-deno-main.ts <subscriber URL> <publisher URL>');
}

const result = await runClientScenario(client, { subscriberUrl, publisherUrl });
console.log(JSON.stringify(result));
