'use strict';
// The gateway drivers of the benchmark, by name. BENCH_GATEWAYS selects (default: all three).
const DRIVERS = {
  eccaex: require('./eccaex'),
  cryptosteroid: require('./cryptosteroid'),
  smartwm: require('./smartwm'),
};

/** The drivers BENCH_GATEWAYS names, in registry order. */
function selectGateways(value) {
  const names = (value || Object.keys(DRIVERS).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!DRIVERS[n]) throw new Error(`BENCH_GATEWAYS: unknown gateway "${n}" (known: ${Object.keys(DRIVERS).join(', ')})`);
  return Object.values(DRIVERS).filter((d) => names.includes(d.name));
}

module.exports = { DRIVERS, selectGateways };
