'use strict';
// Load generation with autocannon's programmatic API: a warm-up run, then the measured run.
const autocannon = require('autocannon');

function run(opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    // Bounded: autocannon stops by itself after `duration`; this is a second stop, just in case.
    const guard = setTimeout(() => instance.stop(), (opts.duration + 30) * 1000);
    guard.unref();
    instance.on('done', () => clearTimeout(guard));
  });
}

/**
 * Drives `requests` at 127.0.0.1:port with `connections` connections: warm-up for warmupS
 * (results discarded), then `durationS` measured. Returns the figures the report needs.
 */
async function drive({ port, requests, connections, durationS, warmupS, title, onMeasureStart, onMeasureEnd }) {
  const base = {
    url: `http://127.0.0.1:${port}`,
    connections,
    pipelining: 1,
    timeout: 10,
    requests,
    // Fresh copies for each run: setupRequest closures keep their own counters.
  };
  if (warmupS > 0) await run({ ...base, duration: warmupS, title: `${title} (warm-up)` });
  if (onMeasureStart) onMeasureStart();
  const r = await run({ ...base, duration: durationS, title });
  const window = onMeasureEnd ? onMeasureEnd(r.requests.total) : undefined;
  const total = r.requests.total;
  return {
    rps: Math.round((total / r.duration) * 10) / 10,
    rps_2xx: Math.round((r['2xx'] / r.duration) * 10) / 10,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    requests: total,
    ok_2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    status_codes: Object.fromEntries(Object.entries(r.statusCodeStats || {}).map(([code, v]) => [code, v.count])),
    duration_s: Math.round(r.duration * 10) / 10,
    ...(window ? { cpu: window } : {}),
  };
}

module.exports = { drive };
