// Builds the browser bundles with esbuild (run by `npm run build`):
//   dist/cs-chat.js   the script-tag entry (widget/src/embed.ts), minified IIFE, es2020
//                     (+ dist/cs-chat.meta.json, esbuild's metafile: what it kept, per input)
//   dist/cs-inbox.js  the agent workbench (widget/src/elements/cs-inbox.ts), minified IIFE, if present
//   dist/esm/index.js the ESM entry (widget/src/index.ts) with type declarations in dist/esm/
// and prints the raw, gzip and brotli sizes of what a visitor downloads. The
// budget for dist/cs-chat.js is 40 KB (40960 bytes) gzip; over it, a loud
// warning (set CS_SIZE_STRICT=1 to fail the build instead).
import { analyzeMetafile, build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const GZIP_BUDGET = 40960;

/**
 * protobufjs pulls in long.js (11 KB) for 64-bit integers; the wire protocol
 * has none (seq is uint32, times are double), so it is replaced by `null`,
 * which protobufjs treats as "no Long library".
 */
const noLong = {
  name: 'no-long',
  setup(b) {
    b.onResolve({ filter: /^long$/ }, () => ({ path: 'long', namespace: 'no-long' }));
    b.onLoad({ filter: /.*/, namespace: 'no-long' }, () => ({ contents: 'module.exports = null;', loader: 'js' }));
  },
};

/**
 * protobufjs/minimal wires in pieces the browser bundles never run: Node's
 * Buffer reader and writer (util.Buffer is null in a browser, so they are
 * never picked), rpc services, the event emitter and promise helper they use,
 * and base64 (only for `bytes` fields given as strings; the protocol has no
 * `bytes` field). Each becomes a small stand-in with the shape protobufjs
 * touches at load time (`_configure` on the Buffer classes); calling anything
 * else in it throws, loudly, instead of misbehaving. And its float module
 * (typed-array and pre-typed-array code for both byte orders) becomes the
 * four little-endian functions the reader and writer call, on a DataView.
 */
const PROTOBUF_STUBS = {
  './writer_buffer': 'module.exports = { _configure() {} };',
  './reader_buffer': 'module.exports = { _configure() {} };',
  './rpc': 'module.exports = {};',
  './aspromise': 'module.exports = null;',
  './eventemitter': 'module.exports = null;',
  './base64': 'module.exports = null;',
  './float': `var u = new Uint8Array(8), v = new DataView(u.buffer);
function w(n, set) { return function (val, buf, pos) { v[set](0, val, true); for (var i = 0; i < n; i++) buf[pos + i] = u[i]; }; }
function r(n, get) { return function (buf, pos) { for (var i = 0; i < n; i++) u[i] = buf[pos + i]; return v[get](0, true); }; }
module.exports = { writeFloatLE: w(4, 'setFloat32'), readFloatLE: r(4, 'getFloat32'), writeDoubleLE: w(8, 'setFloat64'), readDoubleLE: r(8, 'getFloat64') };`,
};
const protobufLean = {
  name: 'protobuf-lean',
  setup(b) {
    b.onResolve({ filter: /^\.\/(writer_buffer|reader_buffer|rpc|aspromise|eventemitter|base64|float)$/ }, (args) =>
      /[\\/]protobufjs[\\/]src[\\/]/.test(args.importer) ? { path: args.path, namespace: 'protobuf-lean' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'protobuf-lean' }, (args) => ({ contents: PROTOBUF_STUBS[args.path], loader: 'js' }));
  },
};

/**
 * A browser client only encodes what it sends and only decodes what it
 * receives, so in the browser bundles the generated code's other half is
 * replaced, at bundle time (proto/gen stays as generated; the server uses it
 * whole), by a function that throws. The lists follow the direction comments
 * in proto/chat.proto; `Frame` and `Typing` go both ways and are kept whole.
 * A name the generated code lacks fails the build, so a renamed message is
 * noticed here and not on the wire.
 */
const CLIENT_SENDS_ONLY = ['Hello', 'Identity', 'Cursor', 'Send', 'Received', 'Sync', 'Subscribe', 'Unsubscribe', 'Read', 'ConversationAction', 'PageView', 'Ping', 'BroadcastEvent'];
const CLIENT_RECEIVES_ONLY = ['Welcome', 'Conversation', 'Ack', 'Message', 'Deliver', 'SyncResult', 'InboxUpdate', 'InboxBatch', 'Receipt', 'Presence', 'Pong', 'Error', 'Broadcast', 'BroadcastItem'];
/**
 * The visitor's bundle (dist/cs-chat.js) also drops what only agents use:
 * the visitor never receives the inbox notices and never sends the agent
 * requests (the server refuses them from a visitor anyway).
 */
const VISITOR_NEVER_RECEIVES = ['InboxUpdate', 'InboxBatch', 'AgentStatus'];
const VISITOR_NEVER_SENDS = ['Subscribe', 'Unsubscribe', 'ConversationAction', 'AgentStatus'];
const protoClientHalf = protoHalf([...CLIENT_SENDS_ONLY], [...CLIENT_RECEIVES_ONLY]);
const protoVisitorHalf = protoHalf([...CLIENT_SENDS_ONLY, ...VISITOR_NEVER_RECEIVES], [...CLIENT_RECEIVES_ONLY, ...VISITOR_NEVER_SENDS]);

/** The plugin that replaces the named messages' decode (`noDecode`) and encode (`noEncode`) by a function that throws. */
function protoHalf(noDecode, noEncode) {
  return {
    name: 'proto-client-half',
    setup(b) {
      b.onLoad({ filter: /[\\/]proto[\\/]gen[\\/]chat\.js$/ }, (args) => {
        let code = readFileSync(args.path, 'utf8');
        const strip = (name, fn) => {
          const re = new RegExp(`\\n(\\s+)${name}\\.${fn} = function \\([^)]*\\) \\{\\n[^]*?\\n\\1\\};`);
          if (!re.test(code)) throw new Error(`widget/build.mjs: no ${name}.${fn} in ${args.path}`);
          code = code.replace(re, (_m, indent) => `\n${indent}${name}.${fn} = function () { throw $Error("cs-chat: ${name} is not ${fn}d by clients"); };`);
        };
        for (const name of noDecode) strip(name, 'decode');
        for (const name of noEncode) strip(name, 'encode');
        return { contents: code, loader: 'js' };
      });
    },
  };
}

/**
 * Lit's css`` literals are not minified by esbuild: squeeze their whitespace
 * (only around braces, semicolons and commas, and runs of blanks, so selectors
 * and values keep their meaning).
 */
const squeezeCss = {
  name: 'squeeze-css',
  setup(b) {
    b.onLoad({ filter: /widget[\\/]src[\\/]elements[\\/].*styles\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replace(/css`([^`]*)`/g, (_, body) =>
        'css`' + body.replace(/\/\*[^]*?\*\//g, '').replace(/\s+/g, ' ').replace(/\s*([{};,])\s*/g, '$1').replace(/:\s+/g, ':').replace(/;}/g, '}').trim() + '`');
      return { contents, loader: 'ts' };
    });
  },
};

/** Options shared by the browser bundles. */
const browser = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
  // Lit's production build (no dev-mode warnings) is the default export condition.
  conditions: ['browser', 'production'],
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [noLong, protobufLean, protoClientHalf, squeezeCss],
};

function sizes(file) {
  const raw = readFileSync(file);
  const gzip = gzipSync(raw, { level: 9 }).length;
  const brotli = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { raw: raw.length, gzip, brotli };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function report(name, file) {
  const s = sizes(file);
  console.log(`widget: ${name.padEnd(14)} ${kb(s.raw).padStart(9)} raw  ${kb(s.gzip).padStart(8)} gzip  ${kb(s.brotli).padStart(8)} brotli`);
  return s;
}

mkdirSync(dist, { recursive: true });

// The first statement of the script-tag bundle marks when the script starts to
// run (before the modules it bundles are evaluated, which a mark inside
// embed.ts would come after); the controller marks the launcher's first paint.
const chatBuild = await build({
  ...browser,
  plugins: browser.plugins.map((p) => (p === protoClientHalf ? protoVisitorHalf : p)),
  entryPoints: [join(root, 'widget/src/embed.ts')],
  outfile: join(dist, 'cs-chat.js'),
  banner: { js: "self.performance?.mark('cs-chat:script-start');" },
  metafile: true,
});
// What esbuild kept, per input file: dist/cs-chat.meta.json (esbuild's analyzer
// or https://esbuild.github.io/analyze/ reads it); CS_SIZE_REPORT=1 prints it.
writeFileSync(join(dist, 'cs-chat.meta.json'), JSON.stringify(chatBuild.metafile));
if (process.env.CS_SIZE_REPORT === '1') console.log(await analyzeMetafile(chatBuild.metafile));

// <cs-news>, the announcements' card and banner: its own bundle, loaded by cs-chat.js only when there is one to show.
await build({ ...browser, entryPoints: [join(root, 'widget/src/elements/cs-news.ts')], outfile: join(dist, 'cs-chat-news.js') });

// The workbench's Announcements page (admins): /agent/announcements.
await build({ ...browser, entryPoints: [join(root, 'widget/src/elements/cs-announcements.ts')], outfile: join(dist, 'cs-announcements.js') });

const inboxEntry = join(root, 'widget/src/elements/cs-inbox.ts');
const hasInbox = existsSync(inboxEntry);
if (hasInbox) {
  await build({ ...browser, entryPoints: [inboxEntry], outfile: join(dist, 'cs-inbox.js') });
}

// ESM: our code bundled into one module; lit, idb and protobufjs stay imports
// so an app that already has them does not ship them twice.
const esm = join(dist, 'esm');
rmSync(esm, { recursive: true, force: true });
await build({
  ...browser,
  minify: false,
  format: 'esm',
  target: 'es2022',
  packages: 'external',
  entryPoints: [join(root, 'widget/src/index.ts')],
  outfile: join(esm, 'index.js'),
});
execFileSync(
  join(root, 'node_modules/.bin/tsc'),
  ['--ignoreConfig', '--declaration', '--emitDeclarationOnly', '--noEmit', 'false', '--rootDir', root, '--outDir', join(esm, 'types'),
    '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom,dom.iterable',
    '--types', 'node', '--strict', '--skipLibCheck', '--useDefineForClassFields', 'false', '--isolatedModules',
    join(root, 'widget/src/index.ts')],
  { stdio: 'inherit', cwd: root },
);
// The generated protobuf types are a .d.ts already: copy them where the emitted declarations import them.
mkdirSync(join(esm, 'types/proto/gen'), { recursive: true });
copyFileSync(join(root, 'proto/gen/chat.d.ts'), join(esm, 'types/proto/gen/chat.d.ts'));
writeFileSync(join(esm, 'index.d.ts'), "export * from './types/widget/src/index.js';\n");

const chat = report('cs-chat.js', join(dist, 'cs-chat.js'));
report('cs-chat-news.js', join(dist, 'cs-chat-news.js'));
if (hasInbox) report('cs-inbox.js', join(dist, 'cs-inbox.js'));
else console.log('widget: cs-inbox.js skipped: widget/src/elements/cs-inbox.ts does not exist yet');
report('esm/index.js', join(esm, 'index.js'));

if (chat.gzip > GZIP_BUDGET) {
  const line = '!'.repeat(72);
  console.warn(`\n${line}\nwidget: dist/cs-chat.js is ${chat.gzip} bytes gzip, OVER the ${GZIP_BUDGET}-byte budget by ${chat.gzip - GZIP_BUDGET} bytes.\n${line}\n`);
  if (process.env.CS_SIZE_STRICT === '1') process.exit(1);
} else {
  console.log(`widget: dist/cs-chat.js is within the 40 KB gzip budget (${GZIP_BUDGET - chat.gzip} bytes to spare).`);
}
