import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringifyExactJson } from '../../common/json-exact';
import { signDpay } from '../../gateways/smartwm/smartwm-signature';
import { ANSWERED } from './api.controller';
import { errorBody } from './errors';
import { SANDBOX_PREFIX, SMARTWM_SANDBOX_CONFIG, SmartwmSandboxConfig } from './sandbox-config';

const API_PREFIX = `${SANDBOX_PREFIX}/api/`;

const MESSAGES: Record<number, string> = {
  400: 'The request could not be read',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Request body too large',
  415: 'Send Content-Type: application/json',
};

/**
 * Errors raised before the emulated API's controller runs (malformed JSON, a body too large, an
 * unknown route under the prefix) come out of the host's error handling in the host's envelope;
 * this onSend hook rewrites them into the platform's envelope, signed like every answer.
 */
@Injectable()
export class SwmEnvelopeHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SMARTWM_SANDBOX_CONFIG) private readonly config: SmartwmSandboxConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    fastify.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      if (reply.statusCode < 400 || !req.url.startsWith(API_PREFIX) || ANSWERED.has(req.raw)) return payload;
      const status = reply.statusCode;
      const text = stringifyExactJson(errorBody(status, MESSAGES[status] ?? (status >= 500 ? 'Internal error' : 'Bad request')));
      void reply.header('DPAY_SECURE', signDpay(this.config.secret, Buffer.from(text, 'utf8'))).type('application/json; charset=utf-8');
      return text;
    });
  }
}
