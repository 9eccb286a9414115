import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostResult {
  ok: boolean;
  httpStatus: number | null;
  headers: Record<string, string> | null;
  /** At most `maxBody` bytes of the answer, as UTF-8 text. */
  body: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * POSTs exactly `body` (no re-serialisation) with a hard deadline for the whole exchange. A fresh
 * connection per attempt (no keep-alive pool), so a receiver sees each delivery on its own.
 */
export function postBytes(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  opts: { timeoutMs: number; maxBody: number; signal?: AbortSignal },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, durationMs: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish({ ok: false, httpStatus: null, headers: null, body: null, error: 'invalid callback_url' });
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : null;
    if (!send) {
      finish({ ok: false, httpStatus: null, headers: null, body: null, error: `unsupported protocol ${target.protocol}` });
      return;
    }
    const req = send(target, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'Content-Length': String(body.length), Connection: 'close' },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timeout: no answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    const onAbort = () => req.destroy(new Error('aborted: sandbox shutting down'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ? `${err.code}: ` : '';
      finish({ ok: false, httpStatus: null, headers: null, body: null, error: `${code}${err.message}`.slice(0, 500) });
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) resHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () =>
        finish({
          ok: status >= 200 && status < 300,
          httpStatus: status,
          headers: resHeaders,
          body: Buffer.concat(chunks).subarray(0, opts.maxBody).toString('utf8'),
          error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
        });
      res.on('data', (chunk: Buffer) => {
        if (size < opts.maxBody) chunks.push(chunk);
        size += chunk.length;
        if (size >= opts.maxBody) {
          // enough recorded; the status is what matters
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    });
    req.end(body);
  });
}
