import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { GatewayError } from './gateway.errors';
import { PaymentGateway } from './gateway.port';
import { EccaexGateway } from './eccaex/eccaex.gateway';

/** Finds the gateway an order belongs to. Further gateways register here. */
@Injectable()
export class GatewaysService {
  private readonly byName = new Map<string, PaymentGateway>();

  constructor(eccaex: EccaexGateway) {
    this.byName.set(eccaex.name, eccaex);
  }

  get(name: string): PaymentGateway {
    const gw = this.byName.get(name);
    if (!gw) throw ApiError.validation({ provider: [`provider ${name} is not configured on this service`] });
    return gw;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Gateway trouble as the storefront sees it (CONTRACT.md section 3). */
export function gatewayApiError(err: unknown, details: Record<string, unknown> = {}): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof GatewayError) {
    const d = { ...details, gateway: err.info.gateway, ...(err.info.code ? { gateway_code: err.info.code } : {}), ...(err.info.requestId ? { gateway_request_id: err.info.requestId } : {}) };
    if (err.kind === 'unavailable' || err.kind === 'timeout' || err.kind === 'rate_limited') {
      return new ApiError(503, 'GATEWAY_UNAVAILABLE', 'The payment gateway is unavailable right now; retry later.', d);
    }
    return new ApiError(502, 'GATEWAY_ERROR', `The payment gateway refused the request (${err.info.code ?? err.info.httpStatus ?? err.kind}).`, d);
  }
  return new ApiError(502, 'GATEWAY_ERROR', 'The payment gateway answered in a way we could not use.', details);
}
