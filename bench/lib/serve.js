'use strict';
// How every bare Fastify process of the benchmark (the ceilings) listens and stops.

/** Listens on 127.0.0.1:port, says so on stdout, and on SIGTERM / SIGINT closes the app, then `close()`, then exits. */
async function serve(app, port, name, close = async () => undefined) {
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write(`${name} listening on ${port}\n`);
  const stop = () =>
    app
      .close()
      .then(close)
      .then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

module.exports = { serve };
