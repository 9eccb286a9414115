import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { CallbackReceivedOutput } from '../../webhooks/outputs/callback.output';

/** The OpenAPI description of CryptoSteroid's callback route (POST /v1/webhooks/cryptosteroid), put on the generic intake's handler. */
export const cryptosteroidCallbackDocs = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'CryptoSteroid callback (processingUrl = PUBLIC_BASE_URL + /v1/webhooks/cryptosteroid)',
      description:
        'No bearer and no signature: trusted by the Token header, which must equal the random secret the service gave CryptoSteroid for this order ' +
        '(kept only as a hash, compared in constant time). With CRYPTOSTEROID_ALLOWED_IPS set, the sender must be one of those addresses ' +
        '(X-Forwarded-For is believed only through TRUST_PROXY). The order is found from the body (invoiceId, else externalId); nothing else in the body is believed. ' +
        'CryptoSteroid sends this once, when the invoice is PAID, and retries until it gets a 200 (at most 10 times). ' +
        'A 200 means the callback is durably stored; processing (a read-back of the invoice, GET /merchants/{merchant}/invoices/{id}) may finish after the reply. ' +
        'The body is inferred to be the invoice object.',
    }),
    ApiHeader({ name: 'Token', required: true, description: "the order's own secret, as given to CryptoSteroid in the invoice's `secret`", example: 'q3J0bWx2Y2hZ...' }),
    ApiBody({
      description: 'What CryptoSteroid sends, verbatim (inferred: its invoice object; never trusted on its own)',
      schema: {
        type: 'object',
        additionalProperties: true,
        properties: {
          invoiceId: { type: 'string', description: "CryptoSteroid's invoice id", example: '0b6f3c1e-8a55-4a8e-9b0f-3f7c1d2e4a5b' },
          externalId: { type: 'string', description: 'our order external_id', example: 'order-2026-0001' },
          status: { type: 'string', example: 'PAID' },
          updatedAt: { oneOf: [{ type: 'number' }, { type: 'string' }], description: 'with invoiceId and status, what tells one notice from a repeat', example: 1767226000000 },
        },
      },
    }),
    ApiOkResponse({
      type: CallbackReceivedOutput,
      description: 'stored (or already stored)',
      examples: { stored: { summary: 'first delivery', value: { received: true, duplicate: false } }, duplicate: { summary: 'a repeat of the same notice', value: { received: true, duplicate: true } } },
    }),
    ApiResponse({ status: 400, description: 'MALFORMED_PAYLOAD: the body is not a JSON object or names neither invoiceId nor externalId.' }),
    ApiResponse({
      status: 401,
      description:
        "INVALID_TOKEN: the Token header is missing, wrong, or another order's, the order is unknown, or the sender is not in CRYPTOSTEROID_ALLOWED_IPS " +
        '(details.reason). Nothing is stored and nothing moves.',
    }),
    ApiResponse({ status: 503, description: 'STORAGE_UNAVAILABLE: the callback could not be stored; the gateway should retry.' }),
  );
