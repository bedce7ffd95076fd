// Measures sequential getClientAccessToken calls per second in Node for this package and for
// @azure/web-pubsub 1.2.0, with the same options. Each figure is the median of 3 runs of N calls
// after a warm-up.
//
// Run: npm run bench:token [-- N]
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { WebPubSubServiceClient as OfficialClient } from '@azure/web-pubsub';

const root = resolve(import.meta.dirname, '..');
const calls = Number(process.argv[2] ?? 5000);
const connectionString = 'Endpoint=https://demo.webpubsub.azure.com;AccessKey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=;Version=1.0;';
const options = { userId: 'user1', roles: ['webpubsub.sendToGroup'], groups: ['g1'], expirationTimeInMinutes: 60 };

// Bundle src/ in memory so that the benchmark needs no build step.
const bundle = await build({ entryPoints: [resolve(root, 'src/index.ts')], bundle: true, format: 'esm', platform: 'neutral', write: false });
const ours = await import(`data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`);

async function measure(client) {
  for (let index = 0; index < 200; index++) await client.getClientAccessToken(options);
  const rates = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    for (let index = 0; index < calls; index++) await client.getClientAccessToken(options);
    rates.push(calls / ((performance.now() - started) / 1000));
  }
  return rates.sort((a, b) => a - b)[1];
}

const results = [
  ['webpubsub-edge', await measure(new ours.WebPubSubServiceClient(connectionString, 'chat'))],
  ['@azure/web-pubsub 1.2.0', await measure(new OfficialClient(connectionString, 'chat'))],
];

console.log(`Node ${process.version}, ${calls} sequential getClientAccessToken calls, median of 3 runs`);
console.log('| client | calls per second | µs per call |');
console.log('|---|---|---|');
for (const [name, rate] of results) console.log(`| ${name} | ${Math.round(rate).toLocaleString('en-US')} | ${(1e6 / rate).toFixed(0)} |`);
