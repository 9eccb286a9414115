import type { FastifyReply } from 'fastify';

/**
 * For the emulators' timeout and drop faults: a request held without an answer until its client
 * gives up (or a cap), and a connection cut without a reply. Held requests are released on
 * shutdown so the server can close.
 */
export class HeldRequests {
  private readonly held = new Set<() => void>();

  /** Resolves when the client closes the connection, after `maxMs`, or on releaseAll(). */
  hold(reply: FastifyReply, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const socket = reply.raw.socket;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket?.off('close', finish);
        this.held.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, maxMs);
      timer.unref();
      this.held.add(finish);
      if (!socket || socket.destroyed) finish();
      else socket.once('close', finish);
    });
  }

  releaseAll(): void {
    for (const release of [...this.held]) release();
  }
}

/** Cuts the connection: the client sees a reset, never an answer. */
export function dropConnection(reply: FastifyReply): void {
  reply.raw.socket?.destroy();
  reply.raw.destroy();
}
