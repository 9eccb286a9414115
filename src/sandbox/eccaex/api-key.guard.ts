import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SETTINGS } from '../../config/settings.module';
import { Settings } from '../../config/settings';
import { firstHeader } from '../../common/headers';
import { SandboxError } from './errors';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * X-Api-Key on every merchant endpoint (docs/gateways/eccaex.md, "At a glance" and
 * "Errors and retries"): missing or empty → 401
 * API_KEY_MISSING; anything but settings.eccaex.apiKey → 403 API_KEY_INVALID.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly key: Buffer;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.key = digest(settings.eccaex.apiKey);
  }

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const raw = req.headers['x-api-key'];
    const given = firstHeader(raw)?.trim();
    if (!given) throw new SandboxError(401, 'API_KEY_MISSING', 'Missing X-Api-Key header');
    if (!timingSafeEqual(digest(given), this.key)) throw new SandboxError(403, 'API_KEY_INVALID', 'Invalid or inactive API key');
    return true;
  }
}
