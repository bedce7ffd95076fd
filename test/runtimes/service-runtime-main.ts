// Run by Deno and by Bun: the service scenario against the emulator whose connection string is
// the first argument, then the handler scenario.
import { runHandlerScenario, runServiceScenario } from './service-scenario.ts';

declare const Deno: { args: string[] } | undefined;
declare const Bun: { argv: string[] } | undefined;

const connectionString = typeof Deno !== 'undefined' ? Deno.args[0]! : Bun!.argv[2]!;
console.log(JSON.stringify({ service: await runServiceScenario(connectionString), handler: await runHandlerScenario() }));
