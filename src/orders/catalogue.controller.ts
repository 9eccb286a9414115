import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../common/api-error';
import { Auth } from '../common/auth.guard';
import { GatewayCurrency, GatewayPaymentMethod } from '../gateways/gateway.port';
import { CatalogueService } from './catalogue.service';

@ApiTags('catalogue')
@ApiBearerAuth()
@Auth('storefront')
@Controller('v1')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get('currencies')
  @ApiOperation({ summary: "The gateway's currencies and rates (cached at most 60 s)" })
  async currencies(): Promise<{ data: GatewayCurrency[] }> {
    return { data: await this.catalogue.currencies() };
  }

  @Get('payment-methods')
  @ApiOperation({ summary: "The gateway's payment methods (cached at most 60 s)" })
  @ApiQuery({ name: 'currency', required: false, example: 'UAH' })
  async paymentMethods(@Query('currency') currency?: string): Promise<{ data: GatewayPaymentMethod[] }> {
    if (currency !== undefined && !/^[A-Za-z]{3}$/.test(currency)) throw ApiError.validation({ currency: ['must be three letters (ISO 4217)'] });
    return { data: await this.catalogue.paymentMethods(currency?.toUpperCase()) };
  }
}
