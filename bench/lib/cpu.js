'use strict';
// CPU accounting of one measured window, from /proc: the service, the sandbox, the Postgres
// backends of the benchmark's databases, the load generator (this process), and the whole machine.
// On a shared 2-core machine, CPU per request is the figure other load disturbs least.
const { readFileSync, readdirSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

let HZ = 100;
try {
  HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  /* the usual 100 */
}

function ticksOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return null;
  }
}

/** Backends of the benchmark's own bookkeeping connections (not the system under test). */
const excluded = new Set();
function excludeBackend(pid) {
  excluded.add(String(pid));
}

/** Postgres backends whose title names `dbName` exactly: pid -> ticks. */
function pgBackends(dbName) {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || excluded.has(d)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.startsWith('postgres: ')) continue;
    // "postgres: 15/main: <user> <database> <host>(<port>) <state>" (the cluster part is optional)
    const m = /^postgres: (?:\S+: )?\S+ (\S+) /.exec(cmd.replace(/\0/g, ' '));
    if (!m || m[1] !== dbName) continue;
    const t = ticksOf(d);
    if (t !== null) out.set(d, t);
  }
  return out;
}

function machine() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = line[3] + (line[4] || 0);
  return { total, busy: total - idle };
}

/** snapshot({ service: pid, sandbox: pid }, { service: db, sandbox: db }) */
function snapshot(pids, dbs) {
  const procs = {};
  for (const [k, pid] of Object.entries(pids)) if (pid) procs[k] = ticksOf(pid);
  const pg = {};
  for (const [k, name] of Object.entries(dbs)) if (name) pg[k] = pgBackends(name);
  return { at: Date.now(), procs, pg, self: process.cpuUsage(), machine: machine() };
}

/** CPU ms per unit of work between two snapshots; machine busy % and what others used. */
function diff(a, b, units) {
  const ms = (ticks) => (ticks * 1000) / HZ;
  const per = (v) => (units > 0 ? Math.round((v / units) * 1000) / 1000 : null);
  const out = { per_request_ms: {}, cores_used: {} };
  const wallMs = b.at - a.at;
  let ours = 0;
  for (const k of Object.keys(b.procs)) {
    if (a.procs[k] == null || b.procs[k] == null) continue;
    const v = ms(b.procs[k] - a.procs[k]);
    ours += v;
    out.per_request_ms[k] = per(v);
    out.cores_used[k] = Math.round((v / wallMs) * 100) / 100;
  }
  for (const k of Object.keys(b.pg)) {
    let t = 0;
    for (const [pid, ticks] of b.pg[k]) t += ticks - (a.pg[k].get(pid) ?? 0);
    const v = ms(t);
    ours += v;
    out.per_request_ms[`pg_${k}`] = per(v);
    out.cores_used[`pg_${k}`] = Math.round((v / wallMs) * 100) / 100;
  }
  const self = (b.self.user - a.self.user + b.self.system - a.self.system) / 1000;
  ours += self;
  out.per_request_ms.loadgen = per(self);
  out.cores_used.loadgen = Math.round((self / wallMs) * 100) / 100;
  const totalTicks = b.machine.total - a.machine.total;
  const busyTicks = b.machine.busy - a.machine.busy;
  out.machine_busy_pct = totalTicks > 0 ? Math.round((100 * busyTicks) / totalTicks) : null;
  // Everything else on the machine (other sessions' tests, other databases), in cores.
  const cores = totalTicks > 0 ? (totalTicks / HZ) / (wallMs / 1000) : null;
  out.other_cores = cores ? Math.max(0, Math.round(((ms(busyTicks) - ours) / wallMs) * 100) / 100) : null;
  return out;
}

module.exports = { snapshot, diff, ticksOf, excludeBackend };
