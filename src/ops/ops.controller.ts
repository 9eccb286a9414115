import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { OPS_CONSOLE_JS } from './ops-console.script';
import { opsShellPage } from './ops-page.html';

/**
 * The ops console (live and sandbox mode): an HTML shell and its script, both public and
 * key-free. Every piece of data comes from the ops API, called by the page with the ops key the
 * user typed in (kept in the tab's sessionStorage only).
 */
@ApiExcludeController()
@Controller('ops')
export class OpsController {
  private readonly html = opsShellPage();

  @Get()
  shell(@Res() reply: FastifyReply): void {
    void reply.status(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(this.html);
  }

  @Get('app.js')
  script(@Res() reply: FastifyReply): void {
    void reply.status(200).header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(OPS_CONSOLE_JS);
  }
}
