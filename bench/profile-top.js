'use strict';
// Top self-time functions of a V8 .cpuprofile (node --cpu-prof), and the same by package / file.
//   node bench/profile-top.js <file.cpuprofile> [top=30] [--all] [--phase=<text>] [--callers=<function>]
// bench/run.js writes <name>.window.json beside each profile (the measured windows, on V8's
// monotonic clock); only samples inside them are counted unless --all is given (start-up and
// warm-up excluded). --phase picks the windows whose title contains <text>. --callers prints the
// call chains under which <function> spends its self time.
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const flags = Object.fromEntries(args.filter((a) => a.startsWith('--')).map((a) => [a.slice(2).split('=')[0], a.includes('=') ? a.slice(a.indexOf('=') + 1) : true]));
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
const top = Number(topArg || 30);
if (!file) {
  process.stderr.write('usage: node bench/profile-top.js <file.cpuprofile> [top]\n');
  process.exit(64);
}
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
let windows = null;
const windowFile = file.replace(/\.cpuprofile$/, '.window.json');
if (!flags.all && fs.existsSync(windowFile)) {
  windows = JSON.parse(fs.readFileSync(windowFile, 'utf8')).filter((w) => !flags.phase || w.title.includes(flags.phase));
}
const self = new Map(); // node id -> µs
let t = prof.startTime;
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i] || 0;
  if (windows && !windows.some((w) => t >= w.from_us && t <= w.to_us)) continue;
  const id = prof.samples[i];
  self.set(id, (self.get(id) || 0) + (prof.timeDeltas[i] || 0));
}
if (flags.callers) {
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const chains = new Map();
  for (const [id, us] of self) {
    if (nodes.get(id).callFrame.functionName !== flags.callers) continue;
    const chain = [];
    for (let p = parent.get(id); p && chain.length < 12; p = parent.get(p)) {
      const cf = nodes.get(p).callFrame;
      const u = (cf.url || '').replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/');
      chain.push(`${cf.functionName || '(anonymous)'} ${u}:${cf.lineNumber + 1}`);
    }
    const k = chain.join('\n      < ');
    chains.set(k, (chains.get(k) || 0) + us);
  }
  for (const [k, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(`${(us / 1000).toFixed(0)} ms\n      < ${k}\n\n`);
  process.exit(0);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const root = path.resolve(__dirname, '..');

function where(cf) {
  const url = (cf.url || '').replace(/^file:\/\//, '');
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:internal';
  return path.relative(root, url);
}

const byFn = new Map();
const byPkg = new Map();
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
for (const [id, us] of self) {
  const cf = nodes.get(id).callFrame;
  const name = cf.functionName || '(anonymous)';
  const loc = where(cf);
  const key = idle.has(name) ? name : `${name}  ${loc}:${cf.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) || 0) + us);
  const pkg = idle.has(name) ? name : loc.startsWith('dist/') ? `service ${loc.split('/').slice(0, 3).join('/')}` : loc.split(':')[0];
  byPkg.set(pkg, (byPkg.get(pkg) || 0) + us);
}
const busy = total - (byFn.get('(idle)') || 0);
const pct = (us) => ((100 * us) / busy).toFixed(1).padStart(5);
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
process.stdout.write(
  `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled${windows ? ` in ${windows.length} measured window(s)` : ' (whole process)'}, ${(busy / 1e6).toFixed(1)} s not idle (percentages of not idle)\n\n`,
);
process.stdout.write(`top ${top} functions by self time\n`);
for (const [k, us] of [...byFn].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms(us)} ms ${pct(us)} %  ${k}\n`);
process.stdout.write(`\nby package / file\n`);
for (const [k, us] of [...byPkg].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms(us)} ms ${pct(us)} %  ${k}\n`);
