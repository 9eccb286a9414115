/** The error type every gateway emulator throws, and the generic codes of an HTTP status. */
/**
 * An error an emulator answers, in its gateway's own envelope (each emulator's filter renders it):
 * status, code, message, details, extra headers, and `meta` where the gateway's envelope has one.
 */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    readonly meta?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SandboxError';
  }

  /** 422 `VALIDATION_ERROR` with `details.fields` naming every bad field (the first emulator's choice, where its gateway's code is unknown). */
  static validation(fields: Record<string, string[]>): SandboxError {
    return new SandboxError(422, 'VALIDATION_ERROR', 'The request is invalid', { fields });
  }

  /** 404 INVOICE_NOT_FOUND (an emulator's choice where its gateway's code is unknown). */
  static invoiceNotFound(ref: string): SandboxError {
    return new SandboxError(404, 'INVOICE_NOT_FOUND', 'Invoice not found', { invoice_ref: ref });
  }

  static notPending(status: string, extra: Record<string, unknown> = {}): SandboxError {
    return new SandboxError(409, 'INVOICE_NOT_PENDING', `The invoice is ${status}, not pending`, { status, ...extra });
  }
}

/** Thrown after a fault destroyed the connection on purpose: nothing must be sent. */
export class ConnectionDropped extends Error {
  /** `unsentAnswer`: what the handler answered before the fault dropped it (the work was done). */
  constructor(readonly unsentAnswer?: unknown) {
    super('connection dropped by a sandbox fault');
    this.name = 'ConnectionDropped';
  }
}

const GENERIC: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'The request could not be read'],
  401: ['API_KEY_MISSING', 'Missing X-Api-Key header'],
  403: ['FORBIDDEN', 'Forbidden'],
  404: ['NOT_FOUND', 'Not found'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  413: ['PAYLOAD_TOO_LARGE', 'Request body too large'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
  422: ['VALIDATION_ERROR', 'The request is invalid'],
  429: ['RATE_LIMITED', 'Too many requests'],
  500: ['INTERNAL_ERROR', 'Internal server error'],
  502: ['BAD_GATEWAY', 'Bad gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service temporarily unavailable'],
};

export function genericError(status: number): [string, string] {
  return GENERIC[status] ?? (status >= 500 ? GENERIC[500]! : ['BAD_REQUEST', 'The request could not be processed']);
}

