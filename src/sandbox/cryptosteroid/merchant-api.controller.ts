import { Body, Controller, Delete, Get, Inject, Param, Patch, Post, Req, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CS_FIAT_CURRENCIES, CS_PAYMENT_METHODS, CS_WHO_PAYS_COMMISSION, CsWhoPaysCommission } from '../../gateways/cryptosteroid/cryptosteroid.types';
import { amountString, bodyObject, Fields, optionalString, optionalUrl, requiredString } from '../common/toolkit';
import { enumField } from './fields';
import { CsSandboxControl } from './control-state';
import { CsErrorFilter, notFound } from './errors';
import { CsInvoiceLifecycle } from './invoice-lifecycle';
import { Endpoint, MerchantApiInterceptor, noteRequest } from './merchant-api.interceptor';
import { CS_SANDBOX_CONFIG, CsSandboxConfig } from './sandbox-config';
import { CsSandboxStore, InvoiceRow } from './store';
import { cancelJson, invoiceJson } from './views';

/**
 * The CryptoSteroid merchant invoice API: create, read (INFERRED route), set the method, cancel.
 * Auth, faults and the request record: MerchantApiInterceptor.
 */
@ApiExcludeController()
@Controller('sandbox/cryptosteroid/merchants/:merchant/invoices')
@UseFilters(CsErrorFilter)
@UseInterceptors(MerchantApiInterceptor)
export class CsMerchantApiController {
  constructor(
    private readonly store: CsSandboxStore,
    private readonly lifecycle: CsInvoiceLifecycle,
    private readonly control: CsSandboxControl,
    @Inject(CS_SANDBOX_CONFIG) private readonly config: CsSandboxConfig,
  ) {}

  private json(row: InvoiceRow) {
    return invoiceJson(row, this.config.publicBaseUrl, this.control.knobs.timestampFormat);
  }

  private async found(req: FastifyRequest, id: string): Promise<InvoiceRow> {
    const row = await this.store.invoice(this.config.merchantId, id);
    if (!row) throw notFound(id);
    noteRequest(req, { externalId: row.external_id });
    return row;
  }

  /**
   * 201 with the Invoice object; with `paymentMethod` it is WAITING with the coin amount and the
   * address. Field errors: 422 VALIDATION_ERROR, details.fields (the provider's format is UNKNOWN).
   */
  @Post()
  @Endpoint('create-invoice')
  async create(@Body() body: unknown, @Req() req: FastifyRequest) {
    const o = bodyObject(body);
    const f = new Fields();
    const fiatCurrency = enumField(f, o, 'fiatCurrency', CS_FIAT_CURRENCIES, true);
    const fiatAmount = amountString(f, o, 'fiatAmount', true);
    const description = requiredString(f, o, 'description', 1024);
    const who = enumField(f, o, 'whoPayCommission', CS_WHO_PAYS_COMMISSION, false);
    const externalId = optionalString(f, o, 'externalId', 256);
    const paymentMethod = enumField(f, o, 'paymentMethod', CS_PAYMENT_METHODS, false);
    const secret = optionalString(f, o, 'secret', 1024);
    const processingUrl = optionalUrl(f, o, 'processingUrl');
    const returnUrl = optionalUrl(f, o, 'returnUrl');
    const failReturnUrl = optionalUrl(f, o, 'failReturnUrl');
    if (o.processingUrl !== undefined && o.processingUrl !== null && o.processingUrl !== '' && !secret) f.add('secret', 'is required with processingUrl');
    f.throwIfAny();
    const row = await this.lifecycle.create({
      external_id: externalId ?? null,
      description: description!,
      fiat_amount: fiatAmount!,
      fiat_currency: fiatCurrency!,
      who_pay_commission: (who ?? 'buyer') as CsWhoPaysCommission,
      secret: secret ?? null,
      processing_url: processingUrl ?? null,
      return_url: returnUrl ?? null,
      fail_return_url: failReturnUrl ?? null,
      payment_method: paymentMethod ?? null,
    });
    noteRequest(req, { invoiceId: row.id });
    return this.json(row);
  }

  /** INFERRED at the provider (PATCH and DELETE use this path); the sandbox answers it. */
  @Get(':id')
  @Endpoint('get-invoice')
  async get(@Param('id') id: string, @Req() req: FastifyRequest) {
    return this.json(await this.found(req, id));
  }

  /** `{ paymentMethod }`, NEW invoices only (409 INVOICE_NOT_NEW otherwise) → WAITING. */
  @Patch(':id')
  @Endpoint('update-invoice')
  async update(@Param('id') id: string, @Body() body: unknown, @Req() req: FastifyRequest) {
    const o = bodyObject(body);
    const f = new Fields();
    const method = enumField(f, o, 'paymentMethod', CS_PAYMENT_METHODS, true);
    await this.found(req, id);
    f.throwIfAny();
    return this.json(await this.lifecycle.setMethod(id, method!, 'api'));
  }

  /** The documented answer `{ invoiceId, merchantId, failUrl, status }`. */
  @Delete(':id')
  @Endpoint('cancel-invoice')
  async cancel(@Param('id') id: string, @Req() req: FastifyRequest) {
    await this.found(req, id);
    return cancelJson(await this.lifecycle.cancel(id));
  }
}
