import { All, Controller, HttpCode, Req, RequestMapping, RequestMethod, Type } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { GatewayPlugin } from '../gateways/gateway-plugin';
import { CallbackIntakeService } from './callback-intake.service';

const METHODS: Record<string, RequestMethod> = {
  GET: RequestMethod.GET,
  POST: RequestMethod.POST,
  PUT: RequestMethod.PUT,
  PATCH: RequestMethod.PATCH,
  DELETE: RequestMethod.DELETE,
};

/**
 * The controller of one gateway's callback route: `/v1/webhooks/<callbacks.route.path>` with the
 * route's method (or any method), documented by the gateway's own OpenAPI description, and
 * handed to the one CallbackIntakeService. Built per registered gateway that is on.
 */
export function callbackControllerFor(plugin: GatewayPlugin): Type<unknown> {
  @ApiTags('callbacks')
  @Controller('v1/webhooks')
  class GatewayCallbackController {
    constructor(readonly intake: CallbackIntakeService) {}

    @HttpCode(200)
    receive(@Req() req: FastifyRequest): Promise<{ received: true; duplicate: boolean }> {
      return this.intake.receive(plugin.name, {
        method: req.method,
        body: req.body,
        headers: req.headers,
        params: (req.params ?? {}) as Record<string, string>,
        query: (req.query ?? {}) as Record<string, string | string[] | undefined>,
        ip: req.ip,
      });
    }
  }
  const route = plugin.callbackRoute;
  const proto = GatewayCallbackController.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'receive')!;
  const single = route.methods !== 'any' && route.methods.length === 1 ? METHODS[route.methods[0]!.toUpperCase()] : undefined;
  (single !== undefined ? RequestMapping({ path: route.path, method: single }) : All(route.path))(proto, 'receive', descriptor);
  plugin.callbackDocs?.()(proto, 'receive', descriptor);
  const name = `${plugin.name.charAt(0).toUpperCase()}${plugin.name.slice(1)}WebhookController`;
  Object.defineProperty(GatewayCallbackController, 'name', { value: name });
  return GatewayCallbackController;
}
