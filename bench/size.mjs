// Measures the bundle size of a Worker entry that mints one client token and sends one message,
// built with esbuild for the Workers target (platform neutral, browser conditions), minified,
// then gzip -9. It builds the same entry against @azure/web-pubsub for comparison, and bundles
// that one again with `wrangler deploy --dry-run` and nodejs_compat, the only way it builds.
//
// Run: npm run bench:size
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Build the Worker entry source, importing the service client from `specifier`. */
function workerEntry(specifier) {
  return `
    import { WebPubSubServiceClient } from ${JSON.stringify(specifier)};
    export default { async fetch(request, env) {
      const client = new WebPubSubServiceClient(env.CS, 'chat');
      const { url } = await client.getClientAccessToken({ userId: 'u', roles: ['webpubsub.joinLeaveGroup'], groups: ['g'] });
      await client.sendToAll({ url });
      return new Response(url);
    } };`;
}

const entries = {
  'webpubsub-edge (src/index.ts)': workerEntry(join(root, 'src/index.ts')),
  '@azure/web-pubsub 1.2.0': workerEntry('@azure/web-pubsub'),
};

const workDir = mkdtempSync(join(root, 'node_modules', '.bench-size-'));
const rows = [];
try {
  for (const [name, source] of Object.entries(entries)) {
    const entryPath = join(workDir, `${rows.length}.mjs`);
    writeFileSync(entryPath, source);
    try {
      const result = await build({
        entryPoints: [entryPath],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'neutral',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['browser', 'module', 'main'],
        write: false,
        logLevel: 'silent',
      });
      const bytes = result.outputFiles[0].contents;
      rows.push({ name, builds: 'yes', minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
    } catch (error) {
      const count = error.errors?.length ?? '?';
      rows.push({ name, builds: `no (${count} errors, e.g. ${error.errors?.[0]?.text ?? error.message})`, minified: '-', gzip: '-' });
    }
  }

  // The official SDK with nodejs_compat, bundled by wrangler (no deploy: --dry-run).
  const wranglerDir = join(workDir, 'wrangler');
  execFileSync('mkdir', ['-p', wranglerDir]);
  writeFileSync(join(wranglerDir, 'entry.mjs'), entries['@azure/web-pubsub 1.2.0']);
  writeFileSync(
    join(wranglerDir, 'wrangler.toml'),
    'name = "size"\nmain = "entry.mjs"\ncompatibility_date = "2026-04-01"\ncompatibility_flags = ["nodejs_compat"]\n',
  );
  execFileSync(join(root, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--minify', '--outdir', 'out'], {
    cwd: wranglerDir,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
    stdio: 'ignore',
    timeout: 120_000,
  });
  const wranglerBytes = readFileSync(join(wranglerDir, 'out', 'entry.js'));
  rows.push({
    name: '@azure/web-pubsub 1.2.0, wrangler 4.86.0 with nodejs_compat',
    builds: 'only with nodejs_compat',
    minified: wranglerBytes.length,
    gzip: gzipSync(wranglerBytes, { level: 9 }).length,
  });
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

console.log('| entry | builds for Workers without nodejs_compat | minified bytes | gzip -9 bytes |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(`| ${row.name} | ${row.builds} | ${row.minified} | ${row.gzip} |`);
