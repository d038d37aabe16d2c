// Makes sure Debian's Chromium is at CHROMIUM_PATH (default /usr/bin/chromium)
// before the browser suites run. As root on a Debian machine it installs the
// `chromium` package with apt-get; otherwise it says what to run. Test tools
// never download a browser of their own.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
  console.error(`Chromium is missing at ${path}. Install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
console.log('Chromium is missing: installing Debian\'s chromium package ...');
execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
if (!existsSync(path)) { console.error(`apt-get finished but ${path} is still missing.`); process.exit(1); }
