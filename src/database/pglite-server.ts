import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, Server, Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Messages after which a client waits for the server: the end of one unit of work. */
const GROUP_END = new Set(['S', 'Q', 'H']);

interface Group {
  conn: number;
  messages: Buffer[];
  socket: Socket;
  done?: () => void;
}

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

/** The startup message's `user` parameter (protocol 3: int32 length, int32 version, then key\0value\0 pairs). */
function startupUser(startup: Buffer): string {
  const parts = startup.subarray(8).toString('utf8').split('\u0000');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'user') return parts[i + 1]!;
  return '';
}

/** An ErrorResponse message (severity FATAL) with this SQLSTATE and message. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\u0000VFATAL\u0000C${code}\u0000M${message}\u0000\u0000`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/**
 * Serves one PGlite (a single Postgres session) to several `pg` connections over TCP.
 *
 * With a password, a connection must prove it (MD5 challenge, as Postgres' md5 auth: the password
 * never crosses the socket) before its startup reaches PGlite, which itself trusts everyone:
 * another local user or process cannot simply connect to the loopback port.
 *
 * PGlite can run one thing at a time, so connections take turns. A turn is a whole unit of work
 * (every message up to Sync or Query), never a single message: interleaving two clients'
 * Parse/Bind/Execute messages would mix their statements. While a connection has a transaction
 * open, only that connection gets turns; if it goes away mid-transaction, the transaction is
 * rolled back.
 */
export class PGliteServer {
  private server: Server | null = null;
  private readonly queue: Group[] = [];
  private busy = false;
  private owner: number | null = null;
  private nextConn = 1;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly db: PGlite,
    private readonly password?: string,
  ) {}

  /** Client connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    return `${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  private accept(socket: Socket): void {
    const conn = this.nextConn++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let started = false;
    /** Set between the startup message and a correct password (when a password is required). */
    let challenge: { startup: Buffer; user: string; salt: Buffer } | null = null;
    let refused = false;
    let pending: Buffer[] = [];
    // Groups of one connection run in order: the next is queued when the previous is done.
    let chain = Promise.resolve();

    const submit = (messages: Buffer[]) => {
      chain = chain.then(
        () =>
          new Promise<void>((done) => {
            this.queue.push({ conn, messages, socket, done });
            void this.pump();
          }),
      );
    };

    socket.on('data', (chunk: Buffer) => {
      if (refused) return;
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const len = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N');
            buffer = buffer.subarray(8);
            continue;
          }
          if (code === CANCEL_REQUEST) {
            socket.destroy();
            return;
          }
          if (buffer.length < len) return;
          started = true;
          const startup = Buffer.from(buffer.subarray(0, len));
          buffer = buffer.subarray(len);
          if (this.password === undefined) submit([startup]);
          else {
            challenge = { startup, user: startupUser(startup), salt: randomBytes(4) };
            const r = Buffer.alloc(13);
            r.write('R', 0);
            r.writeInt32BE(12, 1);
            r.writeInt32BE(5, 5); // AuthenticationMD5Password
            challenge.salt.copy(r, 9);
            socket.write(r);
          }
          continue;
        }
        if (buffer.length < 5) return;
        const len = 1 + buffer.readInt32BE(1);
        if (buffer.length < len) return;
        const message = Buffer.from(buffer.subarray(0, len));
        buffer = buffer.subarray(len);
        const type = String.fromCharCode(message[0]);
        if (challenge) {
          const { startup, user, salt } = challenge;
          const expected = Buffer.from(`md5${md5(Buffer.concat([Buffer.from(md5(this.password + user)), salt]))}`);
          const given = type === 'p' ? message.subarray(5, message.length - 1) : Buffer.alloc(0);
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
            refused = true;
            socket.end(fatal('28P01', `password authentication failed for user "${user}"`));
            return;
          }
          challenge = null;
          submit([startup]);
          continue;
        }
        if (type === 'X') {
          socket.end();
          return;
        }
        pending.push(message);
        if (GROUP_END.has(type)) {
          submit(pending);
          pending = [];
        }
      }
    });

    const gone = () => {
      if (!this.sockets.delete(socket)) return;
      // Drop its queued work; roll back a transaction it left open.
      for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].conn === conn) this.queue.splice(i, 1)[0].done?.();
      chain = chain.then(async () => {
        if (this.owner === conn) {
          this.owner = null;
          await this.db.exec('ROLLBACK').catch(() => undefined);
        }
        void this.pump();
      });
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const idx = this.owner === null ? 0 : this.queue.findIndex((g) => g.conn === this.owner);
        if (idx < 0) break;
        const [group] = this.queue.splice(idx, 1);
        // The group's replies leave in one write (cork), not one per protocol message.
        group.socket.cork();
        try {
          for (const message of group.messages) {
            await this.db.execProtocolRawStream(new Uint8Array(message), {
              onRawData: (data: Uint8Array) => {
                if (data.length && group.socket.writable) group.socket.write(Buffer.from(data));
              },
            });
          }
          this.owner = this.db.isInTransaction() ? group.conn : null;
        } catch {
          group.socket.destroy();
          if (this.owner === group.conn) this.owner = null;
        } finally {
          group.socket.uncork();
          group.done?.();
        }
      }
    } finally {
      this.busy = false;
    }
  }
}
