'use strict';
// Child processes of the benchmark: spawn, wait until they answer, sample their memory, stop them.
const { spawn } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const http = require('node:http');

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One HTTP request to 127.0.0.1 (only); resolves { status, body }. */
function request(port, method, path, { headers = {}, body, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers }, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, text, body: json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Reads VmHWM / VmRSS (kB) of a live process; null once it is gone. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) : 0;
    };
    return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
  } catch {
    return null;
  }
}

/**
 * A child process started by the benchmark. Its output is kept (last 200 lines) for error
 * reports; its memory is sampled every 200 ms while it lives (peak of VmHWM and VmRSS).
 */
class Child {
  constructor(name, args, { env, cwd, quiet = process.env.BENCH_CHILD_OUTPUT !== '1' } = {}) {
    this.name = name;
    this.lines = [];
    this.peakKb = 0;
    this.exited = false;
    this.proc = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    const keep = (chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        if (!quiet) process.stdout.write(`[${name}] ${line}\n`);
      }
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.exit = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        clearInterval(this.sampler);
        resolve({ code, signal });
      });
    });
    this.sampler = setInterval(() => this.sample(), 200);
    this.sampler.unref();
  }

  sample() {
    const m = memoryOf(this.pid);
    if (m) this.peakKb = Math.max(this.peakKb, m.hwmKb, m.rssKb);
  }

  /** Resets the peak to the current RSS (to measure one phase of a long-lived process). */
  resetPeak() {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    } catch {
      /* not permitted: the peak then stays the process's own */
    }
    const m = memoryOf(this.pid);
    this.peakKb = m ? m.rssKb : 0;
  }

  get peakMb() {
    return Math.round((this.peakKb / 1024) * 10) / 10;
  }

  tail(n = 30) {
    return this.lines.slice(-n).join('\n');
  }

  /** Polls `check` until it returns true; fails early if the process exits. */
  async waitFor(what, check, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`${this.name} exited while waiting for ${what}:\n${this.tail()}`);
      try {
        if (await check()) return;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: ${what} not reached within ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(200);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(graceMs = 30_000) {
    if (this.exited) return this.exit;
    this.sample();
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.exited) this.proc.kill('SIGKILL');
    }, graceMs);
    const result = await this.exit;
    clearTimeout(timer);
    return result;
  }
}

module.exports = { Child, freePort, request, sleep, memoryOf };
