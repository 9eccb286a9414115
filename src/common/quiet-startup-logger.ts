import type { LoggerService } from '@nestjs/common';

/**
 * Nest's own start-up chatter: one line per module initialised and per route mapped (about 90
 * at start). Logged at debug rather than info, so the start-up banner is not scrolled away;
 * LOG_LEVEL=debug shows them again.
 */
export const STARTUP_CHATTER: ReadonlySet<string> = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** The app's logger, with STARTUP_CHATTER's `log` lines sent to `debug`; everything else as it is. */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  private static chatter(params: unknown[]): boolean {
    const context = params[params.length - 1];
    return typeof context === 'string' && STARTUP_CHATTER.has(context);
  }

  log(message: unknown, ...params: unknown[]): void {
    if (QuietStartupLogger.chatter(params)) this.inner.debug?.(message, ...params);
    else this.inner.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug?.(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    if (this.inner.fatal) this.inner.fatal(message, ...params);
    else this.inner.error(message, ...params);
  }
}
