import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { CallbackReceivedOutput } from '../../webhooks/outputs/callback.output';

/**
 * The OpenAPI description of SmartWM's status_url route (GET /v1/webhooks/smartwm/{order_id}?token=),
 * put on the generic intake's handler. Any method is accepted; the document shows it once, as GET
 * (`x-any-method`).
 */
export const smartwmCallbackDocs = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'SmartWM status ping (status_url = PUBLIC_BASE_URL + /v1/webhooks/smartwm/{order_id}?token=...; any method)',
      description:
        'The platform sends an empty request to the status_url it was given when an invoice reaches a final status; the ping carries nothing to trust. ' +
        'The token in the URL is the order\'s own random value (given at invoice creation, stored only as a hash, compared in constant time): ' +
        'a match only lets the ping trigger a signed status read (POST /api/einvoice/status, its answer\'s DPAY_SECURE verified), and that read decides. ' +
        'A wrong or missing token, another order\'s token, or an unknown order: 401 and nothing is read, stored or moved. ' +
        'A repeat while the order has not changed is a duplicate. Any HTTP method is accepted (GET, HEAD, POST, ...); a body is ignored.',
    }),
    ApiExtension('x-any-method', true),
    ApiParam({ name: 'order_id', description: "the order's id (a UUID), as put in its status_url", example: '3bb8721d-7f99-4a43-a809-e7b196526345' }),
    ApiQuery({ name: 'token', required: true, description: "the order's callback token, as put in its status_url", example: 'Jx3m0c2QvY1m8mB1rT4p0l3k2j1h0g9f8e7d6c5b4a3' }),
    ApiOkResponse({
      type: CallbackReceivedOutput,
      description: 'stored (or already stored); the status read follows',
      examples: { stored: { summary: 'first ping for this order status', value: { received: true, duplicate: false } }, duplicate: { summary: 'the same order status pinged again', value: { received: true, duplicate: true } } },
    }),
    ApiResponse({ status: 400, description: 'MALFORMED_PAYLOAD: the path names no order id.' }),
    ApiResponse({ status: 401, description: "INVALID_TOKEN: the token is missing, wrong or another order's, or the order is unknown (details.reason: missing_token, or token_mismatch for the others, so the reply does not tell which orders exist). Nothing is read or stored." }),
    ApiResponse({ status: 503, description: 'STORAGE_UNAVAILABLE: the ping could not be stored; the platform should retry.' }),
  );
