import { HttpException, Logger, ServiceUnavailableException } from '@nestjs/common';
import { shuttingDownProbe, toEnvelope } from './http-exception.filter';
import { QuietStartupLogger } from './quiet-startup-logger';

describe('QuietStartupLogger', () => {
  const calls: string[] = [];
  const inner = {
    log: (m: unknown, c: unknown) => calls.push(`log ${String(c)} ${String(m)}`),
    debug: (m: unknown, c: unknown) => calls.push(`debug ${String(c)} ${String(m)}`),
    warn: (m: unknown, c: unknown) => calls.push(`warn ${String(c)} ${String(m)}`),
    error: (m: unknown, c: unknown) => calls.push(`error ${String(c)} ${String(m)}`),
  };
  beforeEach(() => (calls.length = 0));

  it('sends route mapping and module wiring to debug, everything else as it was', () => {
    const q = new QuietStartupLogger(inner);
    q.log('Mapped {/v1/orders, POST} route', 'RouterExplorer');
    q.log('OrdersController {/v1/orders}:', 'RoutesResolver');
    q.log('AppModule dependencies initialized', 'InstanceLoader');
    q.log('Nest application successfully started', 'NestApplication');
    q.warn('careful', 'RouterExplorer');
    expect(calls).toEqual([
      'debug RouterExplorer Mapped {/v1/orders, POST} route',
      'debug RoutesResolver OrdersController {/v1/orders}:',
      'debug InstanceLoader AppModule dependencies initialized',
      'log NestApplication Nest application successfully started',
      'warn RouterExplorer careful',
    ]);
  });
});

describe('readiness 503 while shutting down', () => {
  const terminus = (error: Record<string, unknown>) => new ServiceUnavailableException({ status: 'error', info: {}, error, details: error });

  it('is recognised only when the shutdown is the one failing check', () => {
    expect(shuttingDownProbe(terminus({ lifecycle: { status: 'down', shutting_down: true } }))).toBe(true);
    expect(shuttingDownProbe(terminus({ lifecycle: { status: 'down', shutting_down: true }, database: { status: 'down' } }))).toBe(false);
    expect(shuttingDownProbe(terminus({ database: { status: 'down' } }))).toBe(false);
    expect(shuttingDownProbe(new HttpException('nope', 503))).toBe(false);
  });

  it('is logged at debug, not as a warning; other 503s still warn', () => {
    const seen: string[] = [];
    const log = { warn: (m: string) => seen.push(`warn ${m}`), debug: (m: string) => seen.push(`debug ${m}`), error: (m: unknown) => seen.push(`error ${String(m)}`) } as unknown as Logger;
    expect(toEnvelope(terminus({ lifecycle: { status: 'down', shutting_down: true } }), 'r1', log).status).toBe(503);
    expect(toEnvelope(terminus({ database: { status: 'down' } }), 'r2', log).status).toBe(503);
    expect(seen).toEqual(['debug 503: readiness is down while shutting down', 'warn 503: Service Unavailable Exception']);
  });
});
