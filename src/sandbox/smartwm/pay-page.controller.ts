import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { verifyDpayForm } from '../../gateways/smartwm/smartwm-signature';
import { methodFamily } from '../../gateways/smartwm/smartwm.methods';
import { SwmError } from './errors';
import { SwmInvoices, TEST_AMOUNT_FAILURE, testAmountOutcome } from './invoices';
import { cardPage, confirmPage, messagePage, PageActions, phonePage, resultPage, transferPage } from './pay-page.html';
import { formField, PayOutcome, readCard, readPhone } from './payer-input';
import { SANDBOX_PREFIX, SMARTWM_SANDBOX_CONFIG, SmartwmSandboxConfig } from './sandbox-config';
import type { SwmInvoiceRow } from './store';
import { cryptoAddress } from './views';

const BASE = `${SANDBOX_PREFIX}/pay`;

/**
 * The hosted payment page, `/sandbox/smartwm/pay/{tracking}`: a card form for card methods, a
 * phone number then a confirmation for mobile money, transfer details for the rest; then success
 * or failure and back to success_url / fail_url (303). The test amounts win over what is typed:
 * 1000 always pays, 2000 always fails. A pay_form lands here by POST with its signed fields.
 */
@ApiExcludeController()
@Controller(BASE.slice(1))
export class SwmPayPageController {
  constructor(
    private readonly invoices: SwmInvoices,
    @Inject(SMARTWM_SANDBOX_CONFIG) private readonly config: SmartwmSandboxConfig,
  ) {}

  private static actions(tracking: string): PageActions {
    const at = (name: string) => `${BASE}/${tracking}/${name}`;
    return { card: at('card'), phone: at('phone'), confirm: at('confirm'), decline: at('decline'), pay: at('pay'), fail: at('fail'), cancel: at('cancel') };
  }

  private static html(reply: FastifyReply, status: number, html: string): void {
    void reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  }

  private static redirect(reply: FastifyReply, url: string): void {
    void reply.status(303).header('location', url).header('cache-control', 'no-store').send();
  }

  private async page(reply: FastifyReply, tracking: string, status = 200, error?: string): Promise<void> {
    let row: SwmInvoiceRow;
    try {
      row = await this.invoices.find({ tracking });
    } catch {
      return SwmPayPageController.html(reply, 404, messagePage('Payment not found', 'Check the payment link you were given.'));
    }
    SwmPayPageController.html(reply, status, this.render(row, error));
  }

  private render(row: SwmInvoiceRow, error?: string): string {
    if (row.status !== 'PAYIN') return resultPage(row, error);
    const a = SwmPayPageController.actions(row.tracking);
    switch (methodFamily(row.method_used)) {
      case 'card':
        return cardPage(row, a, error);
      case 'mobile_money':
        return row.payer ? confirmPage(row, a, error) : phonePage(row, a, error);
      case 'crypto':
        return transferPage(row, a, `Send the amount to ${cryptoAddress(row)}.`, error);
      default:
        return transferPage(row, a, 'Pay in your bank or wallet app with the reference shown above.', error);
    }
  }

  /** Ends the payment with the customer's outcome, or the test amounts' one; then back to the shop. */
  private async settle(reply: FastifyReply, tracking: string, wanted: PayOutcome | { status: 'CANCELED' }, payer?: string): Promise<void> {
    let row: SwmInvoiceRow;
    try {
      row = await this.invoices.find({ tracking });
      if (wanted.status !== 'CANCELED' && methodFamily(row.method_used) === 'mobile_money' && !row.payer) {
        throw new SwmError(409, 409, 'Give the phone number first.');
      }
      const forced = wanted.status === 'CANCELED' ? null : testAmountOutcome(row.amount);
      const outcome = forced === 'success' ? { status: 'success' as const } : forced === 'fail' ? { status: 'FAILED' as const, error: TEST_AMOUNT_FAILURE } : wanted;
      const status = outcome.status === 'success' ? SwmInvoices.successOf(row) : outcome.status;
      row = await this.invoices.settle(tracking, status, { error: 'error' in outcome ? outcome.error : undefined, payer });
    } catch (err) {
      if (err instanceof SwmError) return this.page(reply, tracking, 409, err.message);
      throw err;
    }
    const paid = row.status === 'PAYED' || row.status === 'FINISHED';
    SwmPayPageController.redirect(reply, (paid ? row.success_url : row.fail_url) ?? `${BASE}/${row.tracking}`);
  }

  @Get(':tracking')
  async show(@Param('tracking') tracking: string, @Res() reply: FastifyReply): Promise<void> {
    await this.page(reply, tracking);
  }

  /** A pay_form submitted by the customer: its SIGN over CLIENT_ID;INVOICE_ID;TRACKING must hold. */
  @Post(':tracking')
  async enter(@Param('tracking') tracking: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const fields = { CLIENT_ID: formField(body, 'CLIENT_ID'), INVOICE_ID: formField(body, 'INVOICE_ID'), TRACKING: formField(body, 'TRACKING') };
    let row: SwmInvoiceRow | null = null;
    try {
      row = await this.invoices.find({ tracking });
    } catch {
      row = null;
    }
    const valid =
      row !== null &&
      fields.TRACKING === row.tracking &&
      fields.CLIENT_ID === this.config.clientId &&
      fields.INVOICE_ID === row.payment_id &&
      verifyDpayForm(this.config.secret, fields, formField(body, 'SIGN_ORDER'), formField(body, 'SIGN'));
    if (!valid) return SwmPayPageController.html(reply, 403, messagePage('Payment form refused', 'The payment form is not valid for this payment.'));
    SwmPayPageController.redirect(reply, `${BASE}/${row!.tracking}`);
  }

  @Post(':tracking/card')
  async card(@Param('tracking') tracking: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const card = readCard(body, new Date());
    if ('problem' in card) return this.page(reply, tracking, 422, card.problem);
    await this.settle(reply, tracking, card.outcome, `card **** ${card.last4}`);
  }

  @Post(':tracking/phone')
  async phone(@Param('tracking') tracking: string, @Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    const read = readPhone(body);
    if ('problem' in read) return this.page(reply, tracking, 422, read.problem);
    try {
      await this.invoices.setPayer(tracking, read.phone);
    } catch (err) {
      if (err instanceof SwmError) return this.page(reply, tracking, 409, err.message);
      throw err;
    }
    SwmPayPageController.redirect(reply, `${BASE}/${tracking}`);
  }

  @Post(':tracking/confirm')
  async confirm(@Param('tracking') tracking: string, @Res() reply: FastifyReply): Promise<void> {
    await this.settle(reply, tracking, { status: 'success' });
  }

  @Post(':tracking/decline')
  async decline(@Param('tracking') tracking: string, @Res() reply: FastifyReply): Promise<void> {
    await this.settle(reply, tracking, { status: 'FAILED', error: 'Declined by the customer' });
  }

  @Post(':tracking/pay')
  async pay(@Param('tracking') tracking: string, @Res() reply: FastifyReply): Promise<void> {
    await this.settle(reply, tracking, { status: 'success' });
  }

  @Post(':tracking/fail')
  async fail(@Param('tracking') tracking: string, @Res() reply: FastifyReply): Promise<void> {
    await this.settle(reply, tracking, { status: 'FAILED', error: 'Payment failed' });
  }

  @Post(':tracking/cancel')
  async cancel(@Param('tracking') tracking: string, @Res() reply: FastifyReply): Promise<void> {
    await this.settle(reply, tracking, { status: 'CANCELED' });
  }
}
