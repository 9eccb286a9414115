import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsObject, IsOptional, IsString, Length, Matches, MaxLength, registerDecorator, ValidationArguments, ValidationOptions,
} from 'class-validator';
import { checkHttpUrl } from '../../config/env';

/** A provider name's form; whether it names a registered gateway that is on is the registry's answer (400 naming `provider`). */
export const PROVIDER_RE = /^[a-z][a-z0-9_-]{0,31}$/;

function IsHttpUrl(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isHttpUrl', target: object.constructor, propertyName, options,
      validator: {
        validate: (v: unknown) => typeof v === 'string' && v.length <= 2048 && checkHttpUrl(v) === null,
        defaultMessage: (a: ValidationArguments) => `${a.property} must be an absolute http(s) URL without credentials, at most 2048 characters`,
      },
    });
}

function IsMetadata(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isMetadata', target: object.constructor, propertyName, options,
      validator: {
        validate: (v: unknown) => {
          if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
          const entries = Object.entries(v as Record<string, unknown>);
          return entries.length <= 50 && entries.every(([k, val]) => k.length >= 1 && k.length <= 64 && typeof val === 'string' && val.length <= 500);
        },
        defaultMessage: () => 'metadata must be an object of at most 50 keys (1-64 chars) with string values of at most 500 characters',
      },
    });
}

/** What is wrong with an amount, said plainly (null when it is fine): `^\d{1,12}\.\d{2}$`, > 0. */
export function amountProblem(v: unknown): string | null {
  const example = 'e.g. "1500.00"';
  if (typeof v !== 'string') return `amount must be a string with exactly two decimals, ${example}`;
  if (/^\d{1,12}\.\d{2}$/.test(v)) return /[1-9]/.test(v) ? null : 'amount must be greater than 0';
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(v);
  if (!m) return `amount must be digits with a decimal point and exactly two decimals (no sign, spaces or exponent), ${example}`;
  if (m[1]) return 'amount must be greater than 0';
  if (m[2]!.length > 12) return 'amount is too large: at most 12 digits before the decimal point (999999999999.99)';
  return `amount must have exactly two decimals, ${example}`;
}

function IsPositiveAmount(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPositiveAmount', target: object.constructor, propertyName, options,
      validator: {
        validate: (v: unknown) => amountProblem(v) === null,
        defaultMessage: (a: ValidationArguments) => amountProblem(a.value) ?? '',
      },
    });
}

export class CreateOrderInput {
  @ApiProperty({ example: '1500.00', pattern: '^\\d{1,12}\\.\\d{2}$' })
  @IsPositiveAmount()
  amount: string;

  @ApiProperty({ example: 'UAH', pattern: '^[A-Z]{3}$' })
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'currency must be three uppercase letters (ISO 4217)' })
  currency: string;

  @ApiProperty({ example: 'user_12345', minLength: 1, maxLength: 128 })
  @IsString() @Length(1, 128)
  customer_id: string;

  @ApiPropertyOptional({ example: 'order-2026-0001', pattern: '^[A-Za-z0-9._:-]{1,128}$' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'external_id must be 1-128 characters of A-Z a-z 0-9 . _ : -' })
  external_id?: string;

  @ApiPropertyOptional({ example: 'Premium subscription', maxLength: 512 })
  @IsOptional() @IsString() @MaxLength(512)
  description?: string;

  @ApiPropertyOptional({ example: 'https://shop.example/payment/success' })
  @IsOptional() @IsHttpUrl()
  success_url?: string;

  @ApiPropertyOptional({ example: 'https://shop.example/payment/failed' })
  @IsOptional() @IsHttpUrl()
  fail_url?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { cart: '42' } })
  @IsOptional() @IsObject() @IsMetadata()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({ description: 'the gateway of the order, among the registered gateways that are on; default DEFAULT_PROVIDER (the first that is on)', example: 'cryptosteroid', pattern: PROVIDER_RE.source })
  @IsOptional() @IsString() @Matches(PROVIDER_RE, { message: 'provider must name a gateway of this service' })
  provider?: string;

  @ApiPropertyOptional({ example: 'visamaster.uah', maxLength: 64 })
  @IsOptional() @IsString() @Length(1, 64)
  payment_method?: string;
}
