// The import boundaries of DESIGN.md §1, checked before the suites run
// (`npm test`, or `node test/check-imports.mjs`). Each rule names a folder,
// the folders and packages its files must not import, and why. A file's
// static imports, re-exports (`export … from`) and dynamic `import('…')` with
// a string literal are checked; relative specifiers are resolved from the file.
// `--root DIR` checks another tree instead of this repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The rule table. `from` and `forbid` are folders relative to the repo root
 * (with a trailing slash); `packages` are bare module names.
 * @type {ReadonlyArray<{ from: string; forbid: readonly string[]; packages?: readonly string[]; why: string }>}
 */
export const RULES = [
  {
    from: 'server/src/pipeline/',
    forbid: ['server/src/gateway/'],
    packages: ['uWebSockets.js'],
    why: 'the pipeline defines its ports (pipeline/ports.ts) and the gateway implements them; no uWS type below the gateway',
  },
  {
    from: 'widget/src/core/',
    forbid: ['widget/src/transport/', 'widget/src/store/', 'widget/src/elements/'],
    packages: ['lit', 'idb'],
    why: 'core/ is pure logic and the shared domain types (core/types.ts): no socket, no IndexedDB, no DOM',
  },
  {
    from: 'widget/src/store/',
    forbid: ['widget/src/transport/', 'widget/src/elements/'],
    why: 'the store keeps what core/ defines; the session (transport/) drives it, not the other way round',
  },
];

const SOURCE = /\.(ts|mts|js|mjs)$/;
const SPECIFIERS = [
  /\bimport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every module specifier a source text imports. */
export function importsOf(text) {
  const found = new Set();
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const pattern of SPECIFIERS) for (const match of code.matchAll(pattern)) found.add(match[1]);
  return [...found];
}

function sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(name) ? [path] : [];
  });
}

/** The package a bare specifier names (`@scope/name` or `name`), or undefined for a relative one. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Checks every rule under `root`.
 * @returns one line per forbidden import: `file: imports 'x' (rule: why)`.
 */
export function checkImports(root, rules = RULES) {
  const problems = [];
  for (const rule of rules) {
    for (const file of sourceFiles(join(root, rule.from))) {
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        const pkg = packageOf(specifier);
        const target = pkg === undefined ? relative(root, resolve(dirname(file), specifier)).split(sep).join('/') : undefined;
        const bad = pkg !== undefined ? (rule.packages ?? []).includes(pkg) : rule.forbid.some((folder) => `${target}/`.startsWith(folder));
        if (bad) problems.push(`${relative(root, file).split(sep).join('/')}: imports '${specifier}' (${rule.from} must not: ${rule.why})`);
      }
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `--root DIR` checks another tree (the checker's own test gives it one that breaks a rule).
  const at = process.argv.indexOf('--root');
  const root = at > 0 ? resolve(process.argv[at + 1] ?? '.') : resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkImports(root);
  if (problems.length > 0) {
    process.stderr.write(`import boundaries broken (test/check-imports.mjs):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`import boundaries hold (${RULES.length} rule${RULES.length === 1 ? '' : 's'})\n`);
}
