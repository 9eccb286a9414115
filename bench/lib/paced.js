'use strict';
// Load at a fixed offered rate (open loop), for latency below saturation: requests are due at
// evenly spaced times whether or not earlier ones have answered, and each one's latency counts
// from the time it was due, so waiting for a free connection is counted too (no coordinated
// omission). autocannon's rate option sends each connection's share in a burst at the start of
// every second, which measures the burst, not the rate.
const { Pool } = require('undici');

/** The p-th percentile (nearest rank) of ascending `sorted`; null when empty. */
function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Offers `rate` requests a second to 127.0.0.1:port for warmupS (discarded), then durationS
 * (measured), over at most `connections` keep-alive connections. `request(n)` gives the n-th
 * request ({ method, path, headers, body }). Latencies in ms, rounded as autocannon's.
 */
async function paced({ port, rate, connections, durationS, warmupS, request, onMeasureStart, onMeasureEnd }) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const intervalMs = 1000 / rate;
  const t0 = performance.now();
  const measureFrom = t0 + warmupS * 1000;
  const end = measureFrom + durationS * 1000;
  const latencies = [];
  const m = { ok: 0, non2xx: 0, errors: 0, statusCodes: {} };
  const inFlight = new Set();
  let n = 0;
  let measuring = false;
  const send = (dueAt) => {
    const counted = dueAt >= measureFrom;
    const p = pool
      .request(request(++n))
      .then(async (res) => {
        await res.body.dump();
        if (!counted) return;
        latencies.push(performance.now() - dueAt);
        m.statusCodes[res.statusCode] = (m.statusCodes[res.statusCode] || 0) + 1;
        if (res.statusCode >= 200 && res.statusCode < 300) m.ok += 1;
        else m.non2xx += 1;
      })
      .catch(() => {
        if (counted) m.errors += 1;
      });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (!measuring && now >= measureFrom) {
        measuring = true;
        if (onMeasureStart) onMeasureStart();
      }
      // Every request due by now (times past the end are not sent).
      const due = Math.floor((Math.min(now, end) - t0) / intervalMs);
      while (sent < due) send(t0 + sent++ * intervalMs);
      if (now >= end) return resolve();
      setTimeout(tick, 1);
    };
    tick();
  });
  // The measured requests answer (or time out) before the window closes.
  await Promise.allSettled([...inFlight]);
  const elapsedS = (performance.now() - measureFrom) / 1000;
  const total = m.ok + m.non2xx + m.errors;
  const window = onMeasureEnd ? onMeasureEnd(total) : undefined;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const round = (v) => (v === null ? null : Math.round(v));
  return {
    offered_rps: Math.round(rate * 10) / 10,
    rps: Math.round((total / durationS) * 10) / 10,
    rps_2xx: Math.round((m.ok / durationS) * 10) / 10,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(latencies[latencies.length - 1] ?? null),
    requests: total,
    ok_2xx: m.ok,
    non2xx: m.non2xx,
    errors: m.errors,
    timeouts: 0,
    status_codes: m.statusCodes,
    duration_s: Math.round(elapsedS * 10) / 10,
    ...(window ? { cpu: window } : {}),
  };
}

module.exports = { paced, percentile };
