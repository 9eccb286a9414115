import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SETTINGS } from '../config/settings.module';
import { Settings } from '../config/settings';
import { ApiError } from './api-error';
import { RateLimiter } from './rate-limit';

export type Role = 'storefront' | 'ops';
export const ROLE_KEY = 'auth:role';
/** Marks a controller or route: storefront routes accept storefront and ops keys; ops routes only ops keys. */
export const Auth = (role: Role) => SetMetadata(ROLE_KEY, role);

export interface Caller {
  role: Role;
  /** Stable, non-secret id of the key (scope for idempotency and rate limits). */
  keyId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly storefront: Buffer[];
  private readonly ops: Buffer[];
  /** Storefront keys on storefront routes only; ops keys are not limited (RATE_LIMIT_PER_MIN, docs/settings.md "Access"). */
  private readonly limiter: RateLimiter;

  constructor(
    private readonly reflector: Reflector,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.storefront = settings.storefrontApiKeys.map(digest);
    this.ops = settings.opsApiKeys.map(digest);
    this.limiter = new RateLimiter(settings.rateLimitPerMin);
  }

  /** Each route's role, read from its metadata once (two reflect-metadata lookups a request otherwise). */
  private readonly roles = new WeakMap<object, WeakMap<object, Role | null>>();

  private roleOf(ctx: ExecutionContext): Role | null {
    const handler = ctx.getHandler();
    const cls = ctx.getClass();
    let perClass = this.roles.get(cls);
    if (!perClass) this.roles.set(cls, (perClass = new WeakMap()));
    let role = perClass.get(handler);
    if (role === undefined) {
      role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [handler, cls]) ?? null;
      perClass.set(handler, role);
    }
    return role;
  }

  canActivate(ctx: ExecutionContext): boolean {
    const role = this.roleOf(ctx);
    if (!role) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const caller = this.identify(req.headers.authorization);
    if (!caller) throw new ApiError(401, 'UNAUTHENTICATED', 'A valid API key is required (Authorization: Bearer <key>).');
    if (role === 'ops' && caller.role !== 'ops') throw new ApiError(403, 'FORBIDDEN', 'This route needs an ops key.');
    req.caller = caller;
    if (role === 'storefront' && caller.role === 'storefront' && this.limiter.enabled) {
      const d = this.limiter.take(caller.keyId);
      const reply = ctx.switchToHttp().getResponse<FastifyReply>();
      const headers = { 'x-ratelimit-limit': String(d.limit), 'x-ratelimit-remaining': String(d.remaining), 'x-ratelimit-reset': String(d.resetS) };
      void reply.headers(headers);
      if (!d.allowed) {
        throw new ApiError(429, 'RATE_LIMITED', `Too many requests for this API key; retry in ${d.resetS} s.`, { limit_per_min: d.limit, retry_after_s: d.resetS }, { ...headers, 'retry-after': String(d.resetS) });
      }
    }
    return true;
  }

  /** Compares digests of equal length in constant time; every configured key is checked. */
  identify(header: string | undefined): Caller | null {
    const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header ?? '');
    if (!m) return null;
    const given = digest(m[1]);
    let found: Caller | null = null;
    for (const [role, keys] of [['ops', this.ops], ['storefront', this.storefront]] as const) {
      for (const key of keys) {
        if (timingSafeEqual(key, given) && !found) found = { role, keyId: key.toString('hex').slice(0, 16) };
      }
    }
    return found;
  }
}
