// Browser tests for the widget: real Chromium (Debian's, never a downloaded
// one), TypeScript through esbuild, bare imports resolved from node_modules.
import { build } from 'esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';

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

export default {
  rootDir: '.',
  files: ['test/widget/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  plugins: [protobufjsAsEsm(), esbuildPlugin({ ts: true, target: 'es2022' })],
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
