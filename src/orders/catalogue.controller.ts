import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { GatewayCurrency, GatewayPaymentMethod } from '../gateways/gateway.port';
import { CatalogueService } from './catalogue.service';
import { PROVIDER_RE } from './inputs/create-order.input';
import { CurrencyListOutput, PaymentMethodListOutput } from './outputs/catalogue.output';

/** `?provider=`: one value, or the default (undefined); anything else is refused naming it. */
function providerOf(provider: unknown): string | undefined {
  if (provider === undefined || provider === '') return undefined;
  if (typeof provider !== 'string' || !PROVIDER_RE.test(provider)) throw ApiError.validation({ provider: ['must be a gateway name, e.g. eccaex or smartwm'] });
  return provider;
}

@ApiTags('catalogue')
@ApiBearerAuth()
@Auth('storefront')
@Controller('v1')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get('currencies')
  @ApiOperation({ summary: "The gateway's currencies and rates (cached at most 60 s)" })
  @ApiQuery({ name: 'provider', required: false, example: 'smartwm', description: 'a gateway that is on; default DEFAULT_PROVIDER' })
  @ApiOkResponse({ type: CurrencyListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (provider)' })
  @ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE' })
  async currencies(@Query('provider') provider?: string): Promise<{ data: GatewayCurrency[] }> {
    return { data: await this.catalogue.currencies(providerOf(provider)) };
  }

  @Get('payment-methods')
  @ApiOperation({ summary: "The gateway's payment methods (cached at most 60 s)" })
  @ApiQuery({ name: 'currency', required: false, example: 'UAH' })
  @ApiQuery({ name: 'provider', required: false, example: 'smartwm', description: 'a gateway that is on; default DEFAULT_PROVIDER (SmartWM lists the methods SMARTWM_PAYMENT_METHODS enables); a gateway that is off is 400 VALIDATION_FAILED naming provider, one that publishes no list 400 NOT_SUPPORTED, so this also tells a storefront which gateways are on' })
  @ApiOkResponse({ type: PaymentMethodListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (currency, provider); NOT_SUPPORTED (the gateway publishes no catalogue)' })
  @ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE' })
  async paymentMethods(@Query('currency') currency?: string, @Query('provider') provider?: string): Promise<{ data: GatewayPaymentMethod[] }> {
    if (currency !== undefined && !/^[A-Za-z]{3}$/.test(currency)) throw ApiError.validation({ currency: ['must be three letters (ISO 4217)'] });
    return { data: await this.catalogue.paymentMethods(currency?.toUpperCase(), providerOf(provider)) };
  }
}
