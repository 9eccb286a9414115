import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { GatewayCurrency, GatewayPaymentMethod } from '../gateways/gateway.port';
import { CatalogueService } from './catalogue.service';
import { CurrencyListOutput, PaymentMethodListOutput } from './outputs/catalogue.output';

@ApiTags('catalogue')
@ApiBearerAuth()
@Auth('storefront')
@Controller('v1')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get('currencies')
  @ApiOperation({ summary: "The gateway's currencies and rates (cached at most 60 s)" })
  @ApiOkResponse({ type: CurrencyListOutput })
  @ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE' })
  async currencies(): Promise<{ data: GatewayCurrency[] }> {
    return { data: await this.catalogue.currencies() };
  }

  @Get('payment-methods')
  @ApiOperation({ summary: "The gateway's payment methods (cached at most 60 s)" })
  @ApiQuery({ name: 'currency', required: false, example: 'UAH' })
  @ApiOkResponse({ type: PaymentMethodListOutput })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED (currency)' })
  @ApiResponse({ status: 502, description: 'GATEWAY_ERROR' })
  @ApiResponse({ status: 503, description: 'GATEWAY_UNAVAILABLE' })
  async paymentMethods(@Query('currency') currency?: string): Promise<{ data: GatewayPaymentMethod[] }> {
    if (currency !== undefined && !/^[A-Za-z]{3}$/.test(currency)) throw ApiError.validation({ currency: ['must be three letters (ISO 4217)'] });
    return { data: await this.catalogue.paymentMethods(currency?.toUpperCase()) };
  }
}
