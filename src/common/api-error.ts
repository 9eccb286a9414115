/** The one error the service raises on purpose; rendered as the error envelope of docs/api.md section 1. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(fields: Record<string, string[]>): ApiError {
    return new ApiError(400, 'VALIDATION_FAILED', 'The request is invalid.', { fields });
  }

  static notFound(code: string, what: string): ApiError {
    return new ApiError(404, code, `${what} not found.`);
  }
}

export interface ErrorEnvelope {
  error: { code: string; message: string; details: Record<string, unknown> };
  request_id: string;
}

export function envelope(code: string, message: string, details: Record<string, unknown>, requestId: string): ErrorEnvelope {
  return { error: { code, message, details }, request_id: requestId };
}

/** Generic codes for HTTP errors raised by the framework itself (routing, body parsing, limits). */
export const STATUS_CODES: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'The request could not be read.'],
  401: ['UNAUTHENTICATED', 'A valid API key is required.'],
  403: ['FORBIDDEN', 'This key may not call this route.'],
  404: ['NOT_FOUND', 'No such route.'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed on this route.'],
  406: ['NOT_ACCEPTABLE', 'Not acceptable.'],
  408: ['REQUEST_TIMEOUT', 'The request took too long.'],
  413: ['PAYLOAD_TOO_LARGE', 'The body is larger than 1 MiB.'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Send Content-Type: application/json.'],
  429: ['RATE_LIMITED', 'Too many requests.'],
  500: ['INTERNAL_ERROR', 'Something went wrong on our side.'],
  503: ['SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.'],
};
