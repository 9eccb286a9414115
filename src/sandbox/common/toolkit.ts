/**
 * The helpers every gateway emulator shares: its error type, body validation, the webhook POST,
 * UUID checks. They were written for the first emulator and still live in its folder; this is
 * the one place that imports them from there, so moving them here touches this file only.
 */
export { ConnectionDropped, genericError, SandboxError } from '../eccaex/errors';
export { amountString, bodyObject, Fields, optionalString, optionalUrl, requiredString } from '../eccaex/validation';
export type { Obj } from '../eccaex/validation';
export { postBytes } from '../eccaex/http-post';
export type { PostResult } from '../eccaex/http-post';
export { isUuid } from '../eccaex/format';
