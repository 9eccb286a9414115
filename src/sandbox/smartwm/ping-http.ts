import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PingResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * The platform's status ping: an empty GET to status_url, a fresh connection each time, a hard
 * deadline for the whole exchange. 2xx is delivered; anything else (redirects included) is not.
 */
export function sendPing(url: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<PingResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<PingResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, durationMs: Math.round(performance.now() - started) });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return finish({ ok: false, httpStatus: null, error: 'invalid status_url' });
    }
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : null;
    if (!send) return finish({ ok: false, httpStatus: null, error: `unsupported protocol ${target.protocol}` });
    const req = send(target, { method: 'GET', agent: false, headers: { 'User-Agent': 'DPAY-Sandbox-Status/1.0', Connection: 'close' } });
    const timer = setTimeout(() => req.destroy(new Error(`timeout: no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const onAbort = () => req.destroy(new Error('aborted: sandbox shutting down'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, httpStatus: null, error: `${err.code ? `${err.code}: ` : ''}${err.message}`.slice(0, 500) }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const done = () => finish({ ok, httpStatus: status, error: ok ? null : `HTTP ${status}` });
      res.resume();
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.end();
  });
}
