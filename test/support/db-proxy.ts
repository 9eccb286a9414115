import { createServer, Server, Socket, connect } from 'node:net';

export interface DbProxy {
  /** A DATABASE_URL that goes through the proxy. */
  url: string;
  /** Cuts every open connection and refuses new ones, as a database that went away. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy in front of a Postgres server, so tests can take "the database" away and back. */
export async function startDbProxy(targetUrl: string): Promise<DbProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let listening: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        if (addr && typeof addr === 'object') port = addr.port;
        listening = server;
        resolve();
      });
    });

  await listen();
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const down = async () => {
    const server = listening;
    listening = null;
    for (const s of sockets) s.destroy();
    sockets.clear();
      if (server) await new Promise<void>((r) => server.close(() => r()));
  };
  return {
    url: url.toString(),
    down,
    async up() {
      if (!listening) await listen();
    },
    close: down,
  };
}
