export const ORDER_STATUSES = ['pending', 'awaiting_payment', 'paid', 'failed', 'expired', 'canceled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['paid', 'failed', 'expired', 'canceled'];
export const isTerminal = (s: OrderStatus): boolean => TERMINAL_STATUSES.includes(s);

/**
 * Where each status may go. `paid` goes nowhere; a confirmed success after failed/expired/canceled
 * still pays (the money arrived), so those three may go to `paid` only.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['awaiting_payment', 'paid', 'failed', 'expired', 'canceled'],
  awaiting_payment: ['paid', 'failed', 'expired', 'canceled'],
  paid: [],
  failed: ['paid'],
  expired: ['paid'],
  canceled: ['paid'],
};

export const canTransition = (from: OrderStatus, to: OrderStatus): boolean => TRANSITIONS[from].includes(to);
