import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { opsAssetsBuilt } from './ops-assets';
import { opsNotBuiltPage, opsShellPage } from './ops-page.html';

/**
 * The ops console (live and sandbox mode): an HTML shell, public and key-free; its bundle is
 * served from /ops/assets/ (ops-assets.ts). Every piece of data comes from the ops API, called by
 * the page with the ops key the user typed in (kept in the tab's sessionStorage only).
 */
@ApiExcludeController()
@Controller('ops')
export class OpsController {
  private readonly html = opsShellPage();

  @Get()
  shell(@Res() reply: FastifyReply): void {
    // Checked per request: the bundle may be built while the service runs (tests, a first `npm run build`).
    const built = opsAssetsBuilt();
    void reply
      .status(built ? 200 : 503)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(built ? this.html : opsNotBuiltPage());
  }
}
