/**
 * The helpers every gateway emulator shares: its error type, body validation, the webhook POST,
 * UUID checks.
 */
export { ConnectionDropped, genericError, SandboxError } from './errors';
export { amountString, bodyObject, Fields, optionalString, optionalUrl, requiredString } from './validation';
export type { Obj } from './validation';
export { postBytes } from './http-post';
export type { PostResult } from './http-post';
export { isUuid } from '../../common/ids';
