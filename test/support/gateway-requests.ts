import request from 'supertest';

/** One merchant-API request as the sandbox recorded it (GET /sandbox/eccaex/_control/requests). */
export interface GatewayRequest {
  endpoint: string;
  ref: string | null;
  received_seq: number;
  finished_seq: number | null;
  outcome: 'in_progress' | 'answered' | 'refused' | 'no_answer';
  status: number | null;
  code: string | null;
  invoice_id: string | null;
  invoice_existed: boolean | null;
}

/** The invoice creates the sandbox received for one external_id, oldest first. */
export async function gatewayCreates(http: ReturnType<typeof request>, externalId: string): Promise<GatewayRequest[]> {
  const r = await http.get(`/sandbox/eccaex/_control/requests?endpoint=create-invoice&ref=${encodeURIComponent(externalId)}`);
  if (r.status !== 200) throw new Error(`sandbox request log: ${r.status} ${r.text}`);
  return r.body.data as GatewayRequest[];
}

/**
 * Creates that arrived when the gateway already held the order's invoice. "Never two invoices for
 * one order" means none, whatever the gateway does with them (the sandbox refuses them; a real
 * gateway might make a second invoice).
 */
export function secondCreates(creates: GatewayRequest[]): GatewayRequest[] {
  return creates.filter((c) => c.invoice_existed !== false);
}

/** A compact view for assertions: what each create came to. */
export const outcomes = (creates: GatewayRequest[]) => creates.map((c) => `${c.outcome} ${c.status ?? '-'}${c.invoice_id ? ' invoice' : ''}`);
