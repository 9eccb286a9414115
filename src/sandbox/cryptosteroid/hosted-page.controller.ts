import { Body, Controller, Get, Inject, Param, Post, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SandboxError } from '../common/toolkit';
import { quote } from './coins';
import { CsSandboxControl } from './control-state';
import { CsHtmlErrorFilter } from './errors';
import { COUNTDOWN_JS, notFoundPage, renderInvoicePage } from './hosted-page.html';
import { CsInvoiceLifecycle, Payment } from './invoice-lifecycle';
import { CS_SANDBOX_CONFIG, CsSandboxConfig } from './sandbox-config';
import { CsSandboxStore, InvoiceRow } from './store';
import { PAGE_BASE } from './views';

const field = (body: unknown, name: string): string | undefined => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

/**
 * GET /sandbox/cryptosteroid/pay/{invoiceId} (the invoice's `invoiceUrl`): choose a coin, see
 * the address, the coin amount and the time left, then pay in full, pay part, overpay or let it
 * expire. Forms POST urlencoded bodies; each action answers 303 back to the page (post-redirect-
 * get), which then shows the receipt or the closed state with the way back to the shop.
 */
@ApiExcludeController()
@Controller('sandbox/cryptosteroid')
@UseFilters(CsHtmlErrorFilter)
export class CsHostedPageController {
  constructor(
    private readonly store: CsSandboxStore,
    private readonly lifecycle: CsInvoiceLifecycle,
    private readonly control: CsSandboxControl,
    @Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig,
  ) {}

  @Get('assets/countdown.js')
  countdown(@Res() reply: FastifyReply): void {
    void reply.header('cache-control', 'public, max-age=300').type('text/javascript; charset=utf-8').send(COUNTDOWN_JS);
  }

  private async render(reply: FastifyReply, id: string, status = 200, error?: string): Promise<void> {
    const invoice = await this.store.invoice(this.config.merchantId, id);
    const send = (code: number, html: string) => void reply.status(code).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
    if (!invoice) return send(404, notFoundPage());
    const open = invoice.status === 'NEW' || invoice.status === 'WAITING';
    const coins = open ? await this.store.coins(invoice.fiat_currency) : [];
    const choices = coins.map((c) => ({
      code: c.code,
      name: c.name,
      network: c.network,
      quote: c.price ? quote(invoice.fiat_amount, c.price, c.decimals, this.control.knobs.feePercent, invoice.who_pay_commission) : null,
    }));
    send(status, renderInvoicePage({ invoice, coins: choices, error, now: new Date() }));
  }

  /** Runs a customer action; a refusal (closed invoice, bad amount…) shows the page again with the reason. */
  private async act(reply: FastifyReply, id: string, action: () => Promise<InvoiceRow>): Promise<void> {
    try {
      await action();
    } catch (err) {
      if (err instanceof SandboxError && err.status < 500) {
        const fields = (err.details as { fields?: Record<string, string[]> }).fields;
        const reason = fields ? Object.entries(fields).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ') : err.message;
        return this.render(reply, id, err.status, reason);
      }
      throw err;
    }
    void reply.status(303).header('location', `${PAGE_BASE}/${id}`).header('cache-control', 'no-store').send();
  }

  @Get('pay/:id')
  async show(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.render(reply, id);
  }

  @Post('pay/:id/coin')
  async chooseCoin(@Param('id') id: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const method = field(body, 'method');
    if (!method) return this.render(reply, id, 422, 'Choose a coin.');
    await this.act(reply, id, () => this.lifecycle.setMethod(id, method, 'page'));
  }

  @Post('pay/:id/send')
  async send(@Param('id') id: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const kind = field(body, 'kind');
    const amount = field(body, 'amount');
    let payment: Payment;
    if (kind === 'full') payment = { kind };
    else if (kind === 'part' || kind === 'over') payment = { kind, amount };
    else return this.render(reply, id, 422, 'Unknown payment.');
    await this.act(reply, id, () => this.lifecycle.pay(id, payment));
  }

  @Post('pay/:id/expire')
  async expire(@Param('id') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.act(reply, id, () => this.lifecycle.expire(id));
  }
}
