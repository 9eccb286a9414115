'use strict';
// The service's retention sweep, now (what its hourly job does), up to RETENTION_RUNS times or until
// nothing is left past the window, in the service's own code from dist/ on the service's settings
// (RETENTION_DAYS set); one JSON line per run: rows deleted by table, orders examined, milliseconds.
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist', 'src');
const { startApp } = require(path.join(DIST, 'app.factory.js'));
const { loadSettings } = require(path.join(DIST, 'config', 'settings.js'));
const { RetentionService } = require(path.join(DIST, 'retention', 'retention.service.js'));

async function main() {
  const runs = Number(process.env.RETENTION_RUNS || 3);
  const running = await startApp(loadSettings(process.env), { listen: false });
  try {
    const sweep = running.app.get(RetentionService);
    for (let i = 0; i < runs; i++) {
      const cpu = process.cpuUsage();
      const r = await sweep.run();
      const used = process.cpuUsage(cpu);
      process.stdout.write(`${JSON.stringify({ run: i + 1, ...r, cpu_ms: Math.round((used.user + used.system) / 1000) })}\n`);
      if (!r.more) break;
    }
  } finally {
    await running.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`retention-run failed: ${err.stack || err}\n`);
    process.exit(1);
  },
);
