// Builds the browser bundles with esbuild (run by `npm run build`):
//   dist/cs-chat.js   the script-tag entry (widget/src/embed.ts), minified IIFE, es2020
//                     (+ dist/cs-chat.meta.json, esbuild's metafile: what it kept, per input)
//   dist/chunks/*.js  its lazy chunks (CHUNKS below), content-hashed, loaded by cs-chat.js
//   dist/cs-inbox.js  the agent workbench (widget/src/elements/cs-inbox.ts), minified IIFE, if present
//   dist/esm/index.js the ESM entry (widget/src/index.ts) with type declarations in dist/esm/
// and prints the raw, gzip and brotli sizes of what a visitor downloads. The
// budget for dist/cs-chat.js is 40 KB (40960 bytes) gzip; over it, a loud
// warning (set CS_SIZE_STRICT=1 to fail the build instead).
import { analyzeMetafile, build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
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
 * protobufjs's Reader and Writer have a method for every wire type, packed
 * arrays and 64-bit integers included; the generated code calls a few. In the
 * browser bundles the prototype methods nothing calls go: kept are those
 * proto/gen/chat.js calls (any `.name(` in it), `finish` (transport/codec.ts),
 * and what the kept ones call in turn. A method called anyway would be a loud
 * "is not a function", never a wrong byte.
 */
const CODEC_CALLS = ['finish'];
const protobufMethods = {
  name: 'protobuf-methods',
  setup(b) {
    b.onLoad({ filter: /[\\/]protobufjs[\\/]src[\\/](reader|writer)\.js$/ }, (args) => {
      let code = readFileSync(args.path, 'utf8');
      const cls = /reader\.js$/.test(args.path) ? 'Reader' : 'Writer';
      const generated = readFileSync(join(root, 'proto/gen/chat.js'), 'utf8');
      const keep = new Set([...generated.matchAll(/\.(\w+)\(/g)].map((m) => m[1]).concat(CODEC_CALLS));
      const defs = [...code.matchAll(new RegExp(`\\n${cls}\\.prototype\\.(\\w+) = (?:function[^]*?\\n\\};|${cls}\\.prototype\\.(\\w+);)`, 'g'))];
      if (defs.length < 20) throw new Error(`widget/build.mjs: ${args.path} does not define its methods as the build expects`);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [body, name, alias] of defs) {
          if (!keep.has(name)) continue;
          for (const used of [alias, ...[...body.matchAll(/\.(\w+)\(/g)].map((m) => m[1])]) {
            if (used && !keep.has(used)) grew = keep.add(used);
          }
        }
      }
      for (const [body, name] of defs) if (!keep.has(name)) code = code.replace(body, '');
      return { contents: code, loader: 'js' };
    });
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

/** The plugin that replaces the named messages' decode (`noDecode`) and encode (`noEncode`) by a function that throws, and drops what only they used. */
function protoHalf(noDecode, noEncode) {
  return {
    name: 'proto-client-half',
    setup(b) {
      b.onLoad({ filter: /[\\/]proto[\\/]gen[\\/]chat\.js$/ }, (args) => {
        let code = readFileSync(args.path, 'utf8');
        const strip = (name, fn) => {
          const re = new RegExp(`\\n(\\s+)${name}\\.${fn} = function \\([^)]*\\) \\{\\n[^]*?\\n\\1\\};`);
          if (!re.test(code)) throw new Error(`widget/build.mjs: no ${name}.${fn} in ${args.path}`);
          code = code.replace(re, (_m, indent) => `\n${indent}${name}.${fn} = $notCoded;`);
        };
        const root = /\nconst \$root = [^\n]*\n/;
        if (!root.test(code)) throw new Error(`widget/build.mjs: no $root in ${args.path}`);
        code = code.replace(root, (line) => `${line}const $notCoded = function () { throw $Error("cs-chat: this client does not encode or decode this message (widget/build.mjs)"); };\n`);
        for (const name of noDecode) strip(name, 'decode');
        for (const name of noEncode) strip(name, 'encode');
        // A field whose message this client never encodes is never written, and one it never decodes is
        // skipped like an unknown field (a server never sends it): those lines of the other messages' encode
        // and those `case`s of their decode go too (most of them are Frame's oneof bodies).
        const names = (list) => new RegExp(`\\$root\\.cs\\.v1\\.(?:${list.join('|')})\\.`);
        const encodes = names(noEncode);
        const decodes = names(noDecode);
        code = code.replace(/\n( +)if \(message\.(\w+) != null && (?:\$Object\.hasOwnProperty\.call\(message, "\2"\)|message\.\2\.length)\)\n(?:\1 {4,}[^\n]*\n)*?\1 {4,}[^\n]*\.encode\([^\n]*;(?=\n)/g,
          (lines) => (encodes.test(lines) && /\.encode\(/.test(lines) ? '' : lines));
        code = code.replace(/\n( +)case \d+: \{\n(?:\1 {4,}[^\n]*\n)*?\1 {4}\}/g, (block) => (decodes.test(block) ? '' : block));
        for (const [list, fn] of [[noEncode, 'encode'], [noDecode, 'decode']]) {
          const left = list.filter((name) => code.includes(`$root.cs.v1.${name}.${fn}(`));
          if (left.length) throw new Error(`widget/build.mjs: ${args.path} still calls ${left.map((n) => `${n}.${fn}`).join(', ')} (not coded by this client)`);
        }
        // Unknown fields are kept only when Reader.discardUnknown is false; it is true unless set (protobufjs
        // reader.js), and nothing here sets it: the keeping and re-encoding of `$unknowns` goes, with `start`.
        const unknowns = code;
        code = code
          .replace(/\n( +)if \(!reader\.discardUnknown\) \{\n[^]*?\n\1\}/g, '')
          .replace(/\n( +)if \(message\.\$unknowns != null[^\n]*\n\1 {4}for [^\n]*\n\1 {8}writer\.raw\([^\n]*/g, '')
          .replace(/\n +let start = reader\.pos;/g, '');
        if (code === unknowns || /^(?! *(?:\*|\/\*)).*(?:\$unknowns|\bstart\b)/m.test(code)) throw new Error(`widget/build.mjs: the $unknowns code in ${args.path} is not what the build strips`);
        // No client code makes messages with `X.create()` (frames are plain objects): the factories go. And a
        // message the client only encodes is never made by decode either, so its prototype defaults (what a
        // decoded message reads for a missing field) go too: encode reads only the object's own fields.
        code = code.replace(/\n +\w+\.create = function\(properties\) \{\n[^\n]*\n +\};/g, '');
        if (/\.create = function\(properties\)/.test(code)) throw new Error(`widget/build.mjs: a create() in ${args.path} is not what the build strips`);
        for (const name of noDecode) {
          code = code.replace(new RegExp(`\\n +${name}\\.prototype\\.\\w+ = [^\\n]*;`, 'g'), '');
        }
        // A message this client neither encodes nor decodes (the visitor and the agent notices) is only a type: its class goes.
        for (const name of noDecode.filter((n) => noEncode.includes(n))) {
          const re = new RegExp(`\\n( +)v1\\.${name} = \\(function\\(\\) \\{\\n[^]*?\\n\\1\\}\\)\\(\\);`);
          if (!re.test(code)) throw new Error(`widget/build.mjs: no class ${name} in ${args.path}`);
          code = code.replace(re, '');
        }
        // A client sends only the ids of its uploads in Send.attachments: the other Attachment fields are never encoded by it.
        const encoder = /\n(\s+)Attachment\.encode = function \([^)]*\) \{\n[^]*?\n\1\};/;
        const before = code;
        code = code.replace(encoder, (fn) => fn.replace(/\n\s+if \(message\.(name|mime|size|width|height|url) != null[^\n]*\n[^\n]*;/g, ''));
        if (code === before) throw new Error(`widget/build.mjs: no Attachment.encode fields to drop in ${args.path}`);
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
  plugins: [noLong, protobufLean, protobufMethods, protoClientHalf, squeezeCss],
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
  console.log(`widget: ${name.padEnd(15)} ${kb(s.raw).padStart(9)} raw  ${kb(s.gzip).padStart(8)} gzip  ${kb(s.brotli).padStart(8)} brotli`);
  return s;
}

mkdirSync(dist, { recursive: true });

// ---------------------------------------------------------------------------
// Lazy chunks: what dist/cs-chat.js does not carry.
//
// Every page view downloads cs-chat.js (budget: 40 KB gzip); only a visitor who
// opens the chat needs the panel. So cs-chat.js holds the launcher, the session
// (transport, outbox, IndexedDB: the connection starts at page load, so
// messages, unread counts and announcements arrive) and the element's shell;
// the rest is in chunks, fetched by `loadChunk(name)` (widget/src/chunks.ts)
// on first use and preloaded when the page is idle, from `chunks/` beside
// cs-chat.js (resolved against the script's own src, so any host or path
// prefix works). The server serves them at /chunks/* as immutable files.
//
// How the chunks share Lit, the core and the other modules cs-chat.js already
// has (never a second copy): cs-chat.js puts the exports the chunks import
// from the SHARED modules on one private global (`self.__csChat.m`, see
// ChunkRegistry in chunks.ts) before its own code runs, and each chunk is a
// classic IIFE built with those modules replaced by
// `const {…} = self.__csChat.m` (one flat namespace of the shared names).
// Measured against the alternative, esbuild ESM `splitting` with `import()`:
// splitting needs module scripts (cs-chat.js is a classic <script async>
// on the merchant's page; a module chunk from another origin needs CORS, and
// the entry would become a loader plus a shared chunk, one more round trip
// before the launcher), while the global costs only the exports cs-chat.js
// keeps for the chunks alone (printed as "shared" below) and works from any
// origin with no CORS. The build fails if a chunk would bundle a second copy
// of anything in cs-chat.js, naming the file to add to SHARED.
//
// To put a feature's visitor code in a chunk:
//   1. Give it an entry module that exports what cs-chat.js calls (e.g.
//      `export function createX(host) {…}`), and name it in CHUNKS below and
//      in the `Chunks` interface in widget/src/chunks.ts (the types), and in
//      widget/src/chunks-esm.ts (the ESM/test loader).
//   2. Call it only through the loader: `const x = await loadChunk('x')`
//      (never a static import, or a dynamic `import()` from code in
//      cs-chat.js: esbuild would bundle it back in). Show a state while it
//      loads and a clear message when it fails; `loadChunk` retries on the
//      next call. `preloadChunks(['x'])` fetches it when the page is idle,
//      if opening it should be instant.
//   3. `npm run build`: if it says a module is in both, add that module's
//      path to SHARED (or move what cs-chat.js needs of it to its own small
//      module, so the chunk's code stays out of cs-chat.js).
// ---------------------------------------------------------------------------

/** The lazy chunks: name -> entry module. The file is dist/chunks/cs-chat-<name>-<hash>.js. */
const CHUNKS = {
  panel: 'widget/src/elements/chat-panel.ts',
  news: 'widget/src/elements/cs-news.ts',
  stream: 'widget/src/transport/stream-socket.ts',
  uploads: 'widget/src/uploads-entry.ts',
};

/**
 * Modules cs-chat.js shares with the chunks, by path from the repo root (what
 * a bare import such as `lit` resolves to). cs-chat.js keeps (and shares) the
 * names the chunks import from them (namesChunksUse), nothing more.
 */
const SHARED = [
  'node_modules/lit/index.js',
  'widget/src/core/types.ts',
  'widget/src/core/announcements.ts',
  'widget/src/elements/i18n-launcher.ts',
  'widget/src/elements/launcher-icons.ts',
  'widget/src/elements/message-text.ts',
  'widget/src/elements/session-view.ts',
  'widget/src/chunks.ts',
  'widget/src/core/ids.ts',
  'widget/src/core/outbox.ts',
  'widget/src/core/timeline.ts',
];

/** The global name of ChunkRegistry (widget/src/chunks.ts, REGISTRY_KEY). */
const REGISTRY = 'self.__csChat';
const pathKey = (abs) => relative(root, abs).split(sep).join('/');
/** SHARED by the real path esbuild resolves imports to (a symlinked node_modules resolves outside the repo). */
const sharedByRealPath = new Map(SHARED.map((path) => [realpathSync(join(root, path)), path]));

/**
 * The names the chunks import from each SHARED module: a first pass bundles
 * the chunks as ESM with the SHARED modules external and reads their import
 * statements. cs-chat.js then keeps (and shares) only those names, so a
 * module in SHARED costs cs-chat.js nothing but the names a chunk uses.
 */
async function namesChunksUse() {
  const used = new Map(SHARED.map((path) => [path, new Set()]));
  const external = {
    name: 'cs-shared-external',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.csShared || args.kind === 'entry-point' || args.namespace !== 'file') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { csShared: true } });
        const key = r.errors.length || r.namespace !== 'file' ? undefined : sharedByRealPath.get(r.path);
        return key ? { path: `cs-shared:${key}`, external: true } : undefined;
      });
    },
  };
  const out = await build({
    ...browser,
    minify: false,
    format: 'esm',
    write: false,
    outdir: join(dist, 'names'),
    entryPoints: Object.values(CHUNKS).map((path) => join(root, path)),
    plugins: [external, ...browser.plugins],
  });
  for (const file of out.outputFiles) {
    for (const [, what, path] of file.text.matchAll(/(?:import|export)\s*([^;'"]*?)\s*from\s*"cs-shared:([^"]+)"/g)) {
      if (!/^\{[^}]*\}$/.test(what)) throw new Error(`widget/build.mjs: a chunk imports ${what} from ${path}; import named exports only`);
      for (const spec of what.slice(1, -1).split(',')) {
        const name = spec.trim().split(/\s+as\s+/)[0];
        if (name) used.get(path).add(name);
      }
    }
  }
  return new Map([...used].filter(([, names]) => names.size).map(([path, names]) => [path, [...names].sort()]));
}
const sharedExports = await namesChunksUse();
// The registry holds the shared names flat (`m.html`, `m.ConnState`), not by module path: the paths cost
// cs-chat.js bytes for nothing. So a name two SHARED modules both export to the chunks is refused.
{
  const from = new Map();
  for (const [path, names] of sharedExports) {
    for (const name of names) {
      if (from.has(name)) throw new Error(`widget/build.mjs: the chunks import "${name}" from both ${from.get(name)} and ${path}; rename one`);
      from.set(name, path);
    }
  }
}

/** In a chunk: an import of a SHARED module reads it from cs-chat.js's global instead of bundling it. */
const fromEntry = {
  name: 'cs-shared',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.csShared || args.kind === 'entry-point' || args.namespace !== 'file') return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { csShared: true } });
      const key = r.errors.length || r.namespace !== 'file' ? undefined : sharedByRealPath.get(r.path);
      return key && sharedExports.has(key) ? { path: key, namespace: 'cs-shared' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'cs-shared' }, (args) => ({
      contents: `export const { ${sharedExports.get(args.path).join(', ')} } = ${REGISTRY}.m;`,
      loader: 'js',
    }));
  },
};

/** A chunk's entry: registers the module's exports under its name, then cs-chat.js's loader picks them up. */
const chunkEntry = {
  name: 'cs-chunk',
  setup(b) {
    b.onResolve({ filter: /^cs-chunk:/ }, (args) => ({ path: args.path.slice('cs-chunk:'.length), namespace: 'cs-chunk' }));
    b.onLoad({ filter: /.*/, namespace: 'cs-chunk' }, (args) => ({
      contents: `import * as chunk from ${JSON.stringify(join(root, CHUNKS[args.path]))};\n${REGISTRY}.chunks[${JSON.stringify(args.path)}] = chunk;`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const chunkDir = join(dist, 'chunks');
/**
 * Chunks of earlier builds stay a while: a page may still run the cs-chat.js
 * it had cached (max-age 5 min, stale-while-revalidate 1 day, BUNDLE_CACHE in
 * server/src/http/routes.ts), which names its own chunks by hash; deleting
 * them at a deploy would leave that visitor's panel "could not load" until a
 * reload. So only chunk files older than two days go.
 */
const KEEP_OLD_CHUNKS_MS = 2 * 24 * 60 * 60 * 1000;
mkdirSync(chunkDir, { recursive: true });
for (const name of readdirSync(chunkDir)) {
  const file = join(chunkDir, name);
  if (Date.now() - statSync(file).mtimeMs > KEEP_OLD_CHUNKS_MS) rmSync(file, { force: true });
}
// The news and upload bundles of earlier builds are the `news` and `uploads` chunks now.
for (const old of ['cs-chat-news.js', 'cs-chat-uploads.js']) rmSync(join(dist, old), { force: true });
const chunkBuild = await build({
  ...browser,
  plugins: [fromEntry, chunkEntry, ...browser.plugins.map((p) => (p === protoClientHalf ? protoVisitorHalf : p))],
  entryPoints: Object.keys(CHUNKS).map((name) => ({ in: `cs-chunk:${name}`, out: `cs-chat-${name}` })),
  outdir: chunkDir,
  entryNames: '[name]-[hash]',
  metafile: true,
});
/** name -> { file (under dist/), inputs the chunk bundles }. */
const chunkOutputs = new Map(
  Object.entries(chunkBuild.metafile.outputs)
    .filter(([, o]) => o.entryPoint?.startsWith('cs-chunk:'))
    .map(([file, o]) => [o.entryPoint.slice('cs-chunk:'.length), { file: pathKey(join(root, file)).replace(/^dist\//, ''), inputs: o.inputs }]),
);

/** In cs-chat.js, before embed.ts runs: the registry with the SHARED namespaces and the chunk files. */
const exposeShared = {
  name: 'cs-expose',
  setup(b) {
    b.onResolve({ filter: /^cs-(entry|expose)$/ }, (args) => ({ path: args.path, namespace: 'cs-entry' }));
    b.onLoad({ filter: /^cs-entry$/, namespace: 'cs-entry' }, () => ({
      // Imports run in order: the registry exists before embed.ts's first line.
      contents: `import 'cs-expose';\nimport ${JSON.stringify(join(root, 'widget/src/embed.ts'))};`,
      resolveDir: root,
      loader: 'js',
    }));
    b.onLoad({ filter: /^cs-expose$/, namespace: 'cs-entry' }, () => {
      const files = Object.fromEntries([...chunkOutputs].map(([name, o]) => [name, o.file]));
      return {
        contents:
          [...sharedExports].map(([path, names], i) => `import { ${names.map((n, j) => `${n} as m${i}_${j}`).join(', ')} } from ${JSON.stringify(join(root, path))};`).join('\n') +
          `\n${REGISTRY} = { m: { ${[...sharedExports].map(([, names], i) => names.map((n, j) => `${n}: m${i}_${j}`).join(', ')).join(', ')} }, files: ${JSON.stringify(files)}, chunks: {} };`,
        resolveDir: root,
        loader: 'js',
      };
    });
  },
};

// The first statement of the script-tag bundle marks when the script starts to
// run (before the modules it bundles are evaluated, which a mark inside
// embed.ts would come after); the controller marks the launcher's first paint.
const chatBuild = await build({
  ...browser,
  plugins: [exposeShared, ...browser.plugins.map((p) => (p === protoClientHalf ? protoVisitorHalf : p))],
  entryPoints: ['cs-entry'],
  outfile: join(dist, 'cs-chat.js'),
  banner: { js: "self.performance?.mark('cs-chat:script-start');" },
  metafile: true,
});
// What esbuild kept, per input file: dist/cs-chat.meta.json (esbuild's analyzer
// or https://esbuild.github.io/analyze/ reads it); CS_SIZE_REPORT=1 prints it.
writeFileSync(join(dist, 'cs-chat.meta.json'), JSON.stringify(chatBuild.metafile));
if (process.env.CS_SIZE_REPORT === '1') console.log(await analyzeMetafile(chatBuild.metafile));

// What sharing costs cs-chat.js: the same build with an empty registry (the SHARED modules' unused exports drop out).
const unshared = await build({
  ...browser,
  plugins: [{ ...exposeShared, setup(b) {
    b.onLoad({ filter: /^cs-expose$/, namespace: 'cs-entry' }, () => ({ contents: `${REGISTRY} = { m: {}, files: {}, chunks: {} };`, loader: 'js' }));
    exposeShared.setup(b);
  } }, ...browser.plugins.map((p) => (p === protoClientHalf ? protoVisitorHalf : p))],
  entryPoints: ['cs-entry'],
  outfile: 'unshared.js',
  write: false,
});
const sharingCost = gzipSync(readFileSync(join(dist, 'cs-chat.js')), { level: 9 }).length - gzipSync(unshared.outputFiles[0].contents, { level: 9 }).length;

// Never a second copy: a chunk must not bundle code that cs-chat.js has.
const inEntry = new Set(
  Object.entries(Object.values(chatBuild.metafile.outputs)[0].inputs)
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([path]) => path),
);
for (const [name, o] of chunkOutputs) {
  const twice = Object.entries(o.inputs).filter(([path, i]) => i.bytesInOutput > 0 && inEntry.has(path)).map(([path]) => path);
  if (twice.length) {
    throw new Error(`widget/build.mjs: chunk "${name}" bundles code cs-chat.js already has: ${twice.join(', ')}.\nAdd these to SHARED, or move what cs-chat.js needs of them to a module of its own.`);
  }
}

// The workbench's Announcements page (admins): /agent/announcements.
await build({ ...browser, entryPoints: [join(root, 'widget/src/elements/cs-announcements.ts')], outfile: join(dist, 'cs-announcements.js') });

// The workbench's admin pages (team, settings, canned replies, profile): /agent/team, /agent/settings, ….
await build({ ...browser, entryPoints: [join(root, 'widget/src/elements/cs-admin.ts')], outfile: join(dist, 'cs-admin.js') });

const inboxEntry = join(root, 'widget/src/elements/cs-inbox.ts');
const hasInbox = existsSync(inboxEntry);
if (hasInbox) {
  // The workbench is one file (no byte budget): inbox-entry.ts bundles its one lazy need, the streaming transport, in.
  await build({ ...browser, entryPoints: [join(root, 'widget/src/inbox-entry.ts')], outfile: join(dist, 'cs-inbox.js') });
}

// ESM: our code bundled into dist/esm/index.js; lit, idb and protobufjs stay
// imports so an app that already has them does not ship them twice. The lazy
// chunks stay `import()`s of their own files (dist/esm/chunks/, esbuild
// splitting), so the app's bundler splits them off too.
const esm = join(dist, 'esm');
rmSync(esm, { recursive: true, force: true });
await build({
  ...browser,
  minify: false,
  format: 'esm',
  target: 'es2022',
  packages: 'external',
  splitting: true,
  entryPoints: [join(root, 'widget/src/index.ts')],
  outdir: esm,
  chunkNames: 'chunks/[name]-[hash]',
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
const chunkSizes = new Map([...chunkOutputs].map(([name, o]) => [name, report(`chunk ${name}`, join(dist, o.file))]));
const panel = chunkSizes.get('panel');
console.log(
  `widget: on open         ${kb(chat.raw + panel.raw).padStart(9)} raw  ${kb(chat.gzip + panel.gzip).padStart(8)} gzip  ${kb(chat.brotli + panel.brotli).padStart(8)} brotli  (cs-chat.js + chunk panel: what a visitor downloads to open the chat)`,
);
console.log(`widget: shared          ${sharingCost} B gzip of cs-chat.js is the SHARED exports only the chunks use`);
if (hasInbox) report('cs-inbox.js', join(dist, 'cs-inbox.js'));
else console.log('widget: cs-inbox.js skipped: widget/src/elements/cs-inbox.ts does not exist yet');
report('esm/index.js', join(esm, 'index.js'));

if (chat.gzip > GZIP_BUDGET) {
  const line = '!'.repeat(72);
  console.warn(`\n${line}\nwidget: dist/cs-chat.js is ${chat.gzip} bytes gzip, OVER the ${GZIP_BUDGET}-byte budget by ${chat.gzip - GZIP_BUDGET} bytes.\n${line}\n`);
  if (process.env.CS_SIZE_STRICT === '1') process.exit(1);
} else {
  console.log(`widget: dist/cs-chat.js is ${chat.gzip} bytes gzip, within the ${GZIP_BUDGET}-byte (40 KB) budget (${GZIP_BUDGET - chat.gzip} bytes to spare).`);
}
const uploads = chunkSizes.get('uploads');
console.log(`widget: before the panel opens a visitor downloads ${kb(chat.gzip)} gzip; opening it adds chunk panel (${kb(panel.gzip)}), the first attachment chunk uploads (${kb(uploads.gzip)}): ${kb(chat.gzip + panel.gzip + uploads.gzip)} in all.`);
