// Browser tests for the widget: real Chromium (Debian's, never a downloaded
// one), TypeScript through esbuild, bare imports resolved from node_modules.
import { build } from 'esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { a11ySnapshotPlugin } from '@web/test-runner-commands/plugins';

/**
 * protobufjs/minimal is CommonJS, which the dev server does not convert: serve
 * it as one ESM file bundled by esbuild (as widget/build.mjs does for the
 * real bundle), with the default export the generated code imports.
 */
function protobufjsAsEsm() {
  let bundled;
  return {
    name: 'protobufjs-as-esm',
    async serve(context) {
      if (!/\/node_modules\/protobufjs\/minimal\.js$/.test(context.path)) return undefined;
      bundled ??= build({ entryPoints: ['node_modules/protobufjs/minimal.js'], bundle: true, format: 'esm', platform: 'browser', write: false })
        .then((out) => out.outputFiles[0].text);
      return { body: await bundled, type: 'js' };
    },
  };
}

/**
 * The real server, started in this process on an ephemeral port the first
 * time a test asks for it (run under tsx: see the test:widget script), behind
 * `executeServerCommand`: `cs-server-url` -> its ws URL; `cs-server-restart`
 * -> a graceful stop (GOING_AWAY) and a start on the same port, in memory,
 * so every epoch changes.
 */
function realServer() {
  let server;
  let port = 0;
  const start = async () => {
    const { startServer } = await import('../../server/src/index.ts');
    // Every test page is a new anonymous visitor from 127.0.0.1: lift the per-IP new-visitor quota (it has its own server tests).
    server = await startServer({ port, host: '127.0.0.1', secret: 'widget-test-secret', greeting: false, offlineReply: false, logLevel: 'silent', newVisitorsPerIpPerMinute: 1_000_000 });
    port = server.port;
    return server;
  };
  return {
    name: 'cs-real-server',
    async executeCommand({ command }) {
      if (command === 'cs-server-url') return (server ?? (await start())).wsUrl;
      if (command === 'cs-server-restart') {
        await server?.close();
        await start();
        return true;
      }
      return undefined;
    },
    async serverStop() {
      await server?.close();
    },
  };
}

export default {
  rootDir: '.',
  files: ['test/widget/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  plugins: [realServer(), a11ySnapshotPlugin(), protobufjsAsEsm(), esbuildPlugin({ ts: true, target: 'es2022' })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
};
