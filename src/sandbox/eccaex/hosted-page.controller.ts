import { Body, Controller, Get, Param, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HtmlErrorFilter, SandboxError } from './errors';
import { notFoundPage, renderInvoicePage } from './hosted-page.html';
import { InvoiceLifecycle } from './invoice-lifecycle';
import { InvoiceRow, SandboxStore } from './store';

const BASE = '/sandbox/eccaex/pay';

/**
 * GET /sandbox/eccaex/pay/{invoice_id}: the hosted payment page. Plain HTML forms (urlencoded
 * bodies, parsed by the Fastify adapter) POST to select / pay / fail / cancel; after a choice the
 * page is shown again (303, post-redirect-get); pay → 303 success_url, fail / cancel → 303 fail_url.
 */
@ApiExcludeController()
@Controller(BASE.slice(1))
@UseFilters(HtmlErrorFilter)
export class HostedPageController {
  constructor(
    private readonly store: SandboxStore,
    private readonly lifecycle: InvoiceLifecycle,
  ) {}

  private async render(reply: FastifyReply, id: string, status = 200, error?: string, changing = false): Promise<void> {
    const invoice = await this.store.invoiceById(id);
    if (!invoice) {
      void reply.status(404).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(notFoundPage());
      return;
    }
    // Methods are offered until one is chosen, and again when the buyer asks to change it (picking again replaces the deal).
    const methods = invoice.status === 'pending' && (!invoice.deal_id || changing) ? await this.lifecycle.eligibleMethods(invoice) : [];
    const html = renderInvoicePage({ invoice, methods, error, changing, self: `${BASE}/${invoice.id}`, action: (name) => `${BASE}/${invoice.id}/${name}` });
    void reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  private static redirect(reply: FastifyReply, url: string): void {
    void reply.status(303).header('location', url).header('cache-control', 'no-store').send();
  }

  /** Runs an action; a refusal (not pending, unknown method…) shows the page again with the reason. */
  private async act(reply: FastifyReply, id: string, action: () => Promise<InvoiceRow>, next: (row: InvoiceRow) => string): Promise<void> {
    let row: InvoiceRow;
    try {
      row = await action();
    } catch (err) {
      if (err instanceof SandboxError && err.status < 500) {
        await this.render(reply, id, err.status, err.message);
        return;
      }
      throw err;
    }
    HostedPageController.redirect(reply, next(row));
  }

  /** `?change=1`: the methods again, to replace the one chosen (while the invoice's time to choose lasts). */
  @Get(':id')
  async show(@Param('id') id: string, @Query('change') change: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    await this.render(reply, id, 200, undefined, change === '1');
  }

  @Post(':id/select')
  async select(@Param('id') id: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const code = body && typeof body === 'object' ? (body as Record<string, unknown>).method_code : undefined;
    if (typeof code !== 'string' || code === '') {
      await this.render(reply, id, 422, 'Choose a payment method.');
      return;
    }
    await this.act(
      reply,
      id,
      () => this.lifecycle.selectMethod(id, code),
      (row) => `${BASE}/${row.id}`,
    );
  }

  @Post(':id/pay')
  async pay(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.act(
      reply,
      id,
      () => this.lifecycle.pay(id),
      (row) => row.success_url ?? `${BASE}/${row.id}`,
    );
  }

  @Post(':id/fail')
  async fail(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.act(
      reply,
      id,
      () => this.lifecycle.fail(id),
      (row) => row.fail_url ?? `${BASE}/${row.id}`,
    );
  }

  @Post(':id/cancel')
  async cancel(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.act(
      reply,
      id,
      () => this.lifecycle.cancel(id),
      (row) => row.fail_url ?? `${BASE}/${row.id}`,
    );
  }
}
