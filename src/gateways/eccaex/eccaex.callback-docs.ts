import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { CallbackReceivedOutput } from '../../webhooks/outputs/callback.output';

/** The OpenAPI description of EccaEx's callback route (POST /v1/webhooks/eccaex), put on the generic intake's handler. */
export const eccaexCallbackDocs = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'EccaEx callback (callback_url = PUBLIC_BASE_URL + /v1/webhooks/eccaex)',
      description:
        'No bearer: trusted by its HMAC, checked on the raw request bytes (whatever the Content-Type says) before anything is parsed or looked up. ' +
        'signed = X-Signature-Timestamp + "." + raw body; expected = hex(HMAC-SHA256(secret, signed)) for any secret in ECCAEX_WEBHOOK_SECRET; ' +
        'the timestamp must be within ECCAEX_SIGNATURE_TOLERANCE_S (300 s) of now. ECCAEX_SIGNATURE_PAYLOAD / _ALGORITHM / _ENCODING select other schemes. ' +
        'A 200 means the callback is durably stored; processing (a read-back of the invoice from the gateway) may finish after the reply. ' +
        'A valid callback about an order that is not ours is stored as unmatched and also gets 200.',
    }),
    ApiHeader({ name: 'X-Signature', required: true, description: 'hex HMAC-SHA256 of `{timestamp}.{raw body}` (default scheme)', example: '9f2c1d0b7a3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c' }),
    ApiHeader({ name: 'X-Signature-Timestamp', required: true, description: 'unix seconds when the gateway signed', example: '1767268800' }),
    ApiHeader({
      name: 'X-Idempotency-Key',
      required: false,
      description: 'the delivery key, kept with the callback for ops; not what duplicates are recognised by (it is not signed): that is the body\'s event_id, else a hash of the signed body',
      example: '603120aa-4803-4958-8004-0ec8ef0e9148:success:1767268800',
    }),
    ApiBody({
      description: 'What EccaEx sends, verbatim (never trusted on its own: the invoice is read back from the gateway)',
      schema: {
        type: 'object',
        additionalProperties: true,
        properties: {
          event_id: { type: 'string', example: '603120aa-4803-4958-8004-0ec8ef0e9148:success:1767268800' },
          order_id: { type: 'string', description: "EccaEx's invoice id", example: '603120aa-4803-4958-8004-0ec8ef0e9148' },
          external_id: { type: 'string', description: 'our order external_id', example: 'order-2026-0001' },
          status: { type: 'string', example: 'success' },
        },
      },
    }),
    ApiOkResponse({
      type: CallbackReceivedOutput,
      description: 'stored (or already stored)',
      examples: { stored: { summary: 'first delivery', value: { received: true, duplicate: false } }, duplicate: { summary: "the body's event_id (else the same signed body) already stored", value: { received: true, duplicate: true } } },
    }),
    ApiResponse({ status: 400, description: 'MALFORMED_PAYLOAD: the signature is valid but the body is not JSON or names neither order_id nor external_id.' }),
    ApiResponse({
      status: 401,
      description:
        'INVALID_SIGNATURE: missing header, bad or malformed signature, stale or future timestamp (details.reason: missing_signature, missing_timestamp, malformed_timestamp, ' +
        'stale_timestamp, future_timestamp, malformed_signature, signature_mismatch, no_secret). Nothing is stored or looked up.',
    }),
    ApiResponse({ status: 503, description: 'STORAGE_UNAVAILABLE: the callback could not be stored; the gateway should retry.' }),
  );
