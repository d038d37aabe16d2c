// Makes sure the Debian tools the suites drive are present before they run:
// Chromium at CHROMIUM_PATH (default /usr/bin/chromium) for the browser
// suites, and nginx at NGINX_PATH (default /usr/sbin/nginx) for the
// reverse-proxy end-to-end test. As root on a Debian machine it installs the
// missing packages with apt-get; otherwise it says what to run. Test tools
// never download a browser of their own.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const needed = [
  { name: 'Chromium', pkg: 'chromium', path: process.env.CHROMIUM_PATH || '/usr/bin/chromium', variable: 'CHROMIUM_PATH' },
  { name: 'nginx', pkg: 'nginx', path: process.env.NGINX_PATH || '/usr/sbin/nginx', variable: 'NGINX_PATH' },
];
const missing = needed.filter((tool) => !existsSync(tool.path));
if (missing.length === 0) process.exit(0);
const packages = missing.map((tool) => tool.pkg).join(' ');
if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
  for (const tool of missing) console.error(`${tool.name} is missing at ${tool.path}. Install it (Debian: sudo apt-get install -y ${tool.pkg}) or set ${tool.variable}.`);
  process.exit(1);
}
console.log(`Missing: installing Debian's ${packages} ...`);
execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages}`, { stdio: 'inherit' });
const still = missing.filter((tool) => !existsSync(tool.path));
if (still.length > 0) {
  console.error(`apt-get finished but ${still.map((tool) => tool.path).join(', ')} is still missing.`);
  process.exit(1);
}
