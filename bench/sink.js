'use strict';
// The merchant's webhook endpoint during the benchmark (MERCHANT_WEBHOOK_URL): answers 204 to
// every POST, counts them. PORT (required). GET /count answers the count.
const http = require('node:http');

const port = Number(process.env.PORT);
let count = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count }));
    return;
  }
  req.resume();
  req.on('end', () => {
    count += 1;
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`sink listening on ${port}\n`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setTimeout(stop, 60 * 60 * 1000).unref(); // never outlives an hour
