import { ApiProperty } from '@nestjs/swagger';

/** GET /v1/gateways (docs/api.md section 5): the gateways that are on, as facts a storefront or the ops console offers them by. */
export class GatewayCapabilitiesOutput {
  @ApiProperty({ description: 'POST /v1/orders/{ref}/cancel cancels the invoice at the gateway' }) cancel: boolean;
  @ApiProperty({ description: 'GET /v1/currencies and GET /v1/payment-methods answer for it (else 400 NOT_SUPPORTED)' }) catalogue: boolean;
  @ApiProperty({ description: 'the ops routes /v1/orders/{ref}/gateway-webhooks read and resend its webhooks' }) webhook_history: boolean;
  @ApiProperty({ description: 'its withdrawals are mirrored (GET /v1/withdrawals)' }) withdrawals: boolean;
  @ApiProperty({ description: 'POST /v1/orders must name payment_method' }) payment_method_required: boolean;
}

export class GatewayCheckoutOutput {
  @ApiProperty({ example: 'Card or mobile money', description: "what the buyer is offered, without the gateway's name" }) title: string;
  @ApiProperty({
    enum: ['storefront', 'gateway'],
    example: 'storefront',
    description: "where the buyer picks the payment method: `storefront` (offer each listed method, send it as payment_method) or `gateway` (on the gateway's own page; send none)",
  })
  method_choice: 'storefront' | 'gateway';
  @ApiProperty({ description: 'ask GET /v1/payment-methods with currency= (the order currency) for the methods that can take the order' }) methods_by_currency: boolean;
  @ApiProperty({ nullable: true, type: [String], example: ['USD', 'EUR'], description: 'the currencies it takes orders in, in order of preference, where its methods name none; null: any' })
  order_currencies: string[] | null;
  @ApiProperty({ nullable: true, type: String, example: 'Pay with a coin', description: "the label of the one choice offered when the method is picked on the gateway's page" }) option_label: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'coin', description: 'what it calls a payment method, in sentences to the buyer' }) method_noun: string | null;
}

export class GatewayOutput {
  @ApiProperty({ example: 'smartwm', description: 'the provider value of the API (POST /v1/orders, ?provider=)' }) provider: string;
  @ApiProperty({ example: 'SmartWM', description: 'how people write its name' }) label: string;
  @ApiProperty({ enum: ['live', 'sandbox'] }) mode: 'live' | 'sandbox';
  @ApiProperty({ description: 'it is DEFAULT_PROVIDER (the gateway of an order that names none)' }) default: boolean;
  @ApiProperty({ type: GatewayCapabilitiesOutput }) capabilities: GatewayCapabilitiesOutput;
  @ApiProperty({ type: GatewayCheckoutOutput }) checkout: GatewayCheckoutOutput;
}

export class GatewayListOutput {
  @ApiProperty({ type: [GatewayOutput] }) data: GatewayOutput[];
}
