import { ApiProperty } from '@nestjs/swagger';

/** The catalogue's answers (GET /v1/currencies, GET /v1/payment-methods), for the OpenAPI document. */
export class CurrencyOutput {
  @ApiProperty({ example: 'UAH' }) currency: string;
  @ApiProperty({ example: 2, description: 'decimal places' }) decimal: number;
  @ApiProperty({ nullable: true, type: String, example: '₴' }) symbol: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Ukrainian hryvnia' }) name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '41.50', description: 'units of this currency per 1 USDT, as the gateway gives it' }) rate: string | null;
}

export class CurrencyListOutput {
  @ApiProperty({ type: [CurrencyOutput] }) data: CurrencyOutput[];
}

export class PaymentMethodCurrencyOutput {
  @ApiProperty({ example: 'UAH' }) code: string;
  @ApiProperty({ nullable: true, type: String, example: 'Ukrainian hryvnia' }) name: string | null;
  @ApiProperty({ nullable: true, type: String, example: '₴' }) symbol: string | null;
}

export class PaymentMethodOutput {
  @ApiProperty({ example: 'Visa / Mastercard' }) name: string;
  @ApiProperty({ example: 'visamaster.uah' }) method_code: string;
  @ApiProperty({ nullable: true, type: String, example: '100.00' }) min_sum: string | null;
  @ApiProperty({ nullable: true, type: String, example: '50000.00' }) max_sum: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'https://cdn.example/visa.svg' }) logo_url: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 15, description: 'minutes' }) payment_time: number | null;
  @ApiProperty({ nullable: true, type: PaymentMethodCurrencyOutput }) currency: PaymentMethodCurrencyOutput | null;
  @ApiProperty({ nullable: true, type: String, example: '3.5' }) max_commission: string | null;
  @ApiProperty({ nullable: true, type: String, example: '0' }) client_commission: string | null;
  @ApiProperty({ nullable: true, type: String, example: '3.5' }) merchant_commission: string | null;
}

export class PaymentMethodListOutput {
  @ApiProperty({ type: [PaymentMethodOutput] }) data: PaymentMethodOutput[];
}
