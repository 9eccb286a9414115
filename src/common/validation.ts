import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error';
import { jsonBodyProblem } from './input-guards';

function collect(errors: ValidationError[], prefix = '', out: Record<string, string[]> = {}): Record<string, string[]> {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = Object.values(e.constraints);
    if (e.children?.length) collect(e.children, path, out);
  }
  return out;
}

/** Strict DTO validation: unknown fields are refused; every failure lists its field in details.fields. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => ApiError.validation(collect(errors)),
});

import { Body, PipeTransform } from '@nestjs/common';

class JsonObjectPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw ApiError.validation({ body: ['the body must be a JSON object'] });
    }
    const problem = jsonBodyProblem(value);
    if (problem) throw ApiError.validation({ [problem.field]: [problem.message] });
    return value;
  }
}

/** A JSON-object body validated against its input class. */
export const JsonBody = () => Body(new JsonObjectPipe(), validationPipe);
