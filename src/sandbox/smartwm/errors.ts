import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { JsonNumber } from '../../common/json-exact';

/**
 * An answer `{"error":{"code":<int>,"message":"..."}}` (the platform's envelope). The platform's
 * code list and the HTTP status of its errors are not documented; the sandbox's choices: business
 * errors (duplicate, not found, invalid field, already processed) at HTTP 200, an unreadable body
 * at 400, a refused client or signature at 403.
 */
export class SwmError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'SwmError';
  }

  /** [DOC] a repeated payment_id. */
  static alreadyExists(): SwmError {
    return new SwmError(200, 0, 'Transaction already exists');
  }

  /** [DOC] */
  static notFound(): SwmError {
    return new SwmError(200, 401, 'Payment not found');
  }

  static invalid(message: string): SwmError {
    return new SwmError(200, 400, message);
  }

  static unreadable(): SwmError {
    return new SwmError(400, 400, 'The request body is not a JSON object');
  }

  static accessDenied(message: string): SwmError {
    return new SwmError(403, 403, message);
  }

  static alreadyProcessed(status: string): SwmError {
    return new SwmError(200, 409, `Payment is already processed (${status})`);
  }
}

export function errorBody(code: number, message: string): { error: { code: JsonNumber; message: string } } {
  return { error: { code: new JsonNumber(String(code)), message } };
}

/** Thrown after a fault cut the connection on purpose: nothing must be sent. */
export class ConnectionCut extends Error {
  constructor() {
    super('connection cut by a sandbox fault');
    this.name = 'ConnectionCut';
  }
}

/** The test controls' errors, as JSON in the same envelope (unsigned: the controls are not the platform). */
@Catch()
export class ControlErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('SmartwmSandbox');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent || reply.raw.headersSent) return;
    let status = 500;
    let body: unknown;
    if (exception instanceof SwmError) {
      status = exception.httpStatus;
      body = { error: { code: exception.code, message: exception.message } };
    } else {
      if (exception instanceof HttpException) status = exception.getStatus();
      else this.log.error({ msg: 'sandbox control error', err: exception instanceof Error ? exception.message : String(exception) });
      body = { error: { code: status, message: exception instanceof Error ? exception.message : 'Internal error' } };
    }
    void reply.status(status).type('application/json; charset=utf-8').send(body);
  }
}
