import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** `error` of the envelope (docs/api.md section 1). */
@ApiSchema({ name: 'ErrorBody' })
export class ErrorBodySchema {
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'stable, machine-readable; each response lists the codes it may carry' })
  code: string;

  @ApiProperty({ example: 'The request is invalid.', description: 'human text; never a stack, SQL or a secret' })
  message: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { fields: { amount: ['amount must have exactly two decimals, e.g. "1500.00"'] } },
    description: '`fields` lists the offending fields on VALIDATION_FAILED; `order_id` names the order on DUPLICATE_EXTERNAL_ID and gateway errors',
  })
  details: Record<string, unknown>;
}

/** The one error shape of every route. */
@ApiSchema({ name: 'ErrorEnvelope', description: 'Every error, whatever the route: { error: { code, message, details }, request_id }.' })
export class ErrorEnvelopeSchema {
  @ApiProperty({ type: () => ErrorBodySchema })
  error: ErrorBodySchema;

  @ApiProperty({ example: '5f0c6a1e-3f7b-4c1e-9d7a-2b8f4e6c1a90', description: 'the X-Request-Id of the reply' })
  request_id: string;
}

export const ERROR_ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';
