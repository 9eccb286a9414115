import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Decimal from 'decimal.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SANDBOX_CONFIG, SandboxConfig } from './sandbox-config';
import { SandboxStore, WithdrawalRow } from './store';

/** Documented values (docs/gateways/eccaex.md, "Withdrawals"): `success` in the guide, `completed` in one reference example. */
export const WITHDRAWAL_STATUSES = ['pending', 'success', 'completed', 'failed', 'cancelled'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];
export const TERMINAL_WITHDRAWAL: ReadonlySet<string> = new Set(['success', 'completed', 'failed', 'cancelled']);
export const OPTIONAL_WITHDRAWAL_FIELDS = ['address_memo', 'substatus', 'external_tx_id', 'processed_at'] as const;

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Deterministic PRNG, so a seeded database looks the same on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function tronAddress(rand: () => number): string {
  let s = 'T';
  for (let i = 0; i < 33; i++) s += BASE58[Math.floor(rand() * BASE58.length)];
  return s;
}

export function txHash(rand: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 64; i++) s += '0123456789abcdef'[Math.floor(rand() * 16)];
  return s;
}

const SUBSTATUS: Record<string, string | null> = {
  pending: 'awaiting_confirmation',
  success: null,
  completed: null,
  failed: 'network_error',
  cancelled: 'cancelled_by_merchant',
};

/** ~45 withdrawals with mixed statuses; some rows leave the optional fields out of the JSON. */
export function seedWithdrawals(count: number, now = Date.now()): Array<Omit<WithdrawalRow, 'updated_at'> & { updated_at: Date }> {
  const rand = mulberry32(20260226);
  const cycle: WithdrawalStatus[] = ['success', 'success', 'completed', 'pending', 'failed', 'success', 'cancelled', 'success', 'pending'];
  const rows: Array<Omit<WithdrawalRow, 'updated_at'> & { updated_at: Date }> = [];
  for (let i = 0; i < count; i++) {
    const status = cycle[i % cycle.length]!;
    const created = new Date(now - (count - i) * 7 * 3600_000 - Math.floor(rand() * 3600_000));
    const updated = new Date(created.getTime() + 5 * 60_000);
    const method = 1 + (i % 3);
    const amount = new Decimal(10 + Math.floor(rand() * 500_000) / 100).toDecimalPlaces(2);
    const fee = method === 2 ? new Decimal('0.50') : new Decimal('1.00');
    const terminal = TERMINAL_WITHDRAWAL.has(status);
    const paid = status === 'success' || status === 'completed';
    const absent = i % 4 === 1 ? [...OPTIONAL_WITHDRAWAL_FIELDS] : i % 4 === 3 ? ['address_memo', 'external_tx_id'] : [];
    rows.push({
      withdraw_uuid: uuidFrom(`eccaex-sandbox-withdrawal-${i}`),
      withdrawal_method_id: method,
      address: tronAddress(rand),
      address_memo: method === 3 ? String(100000 + Math.floor(rand() * 900000)) : null,
      amount: amount.toFixed(2),
      network_fee: fee.toFixed(2),
      amount_to_receive: amount.minus(fee).toFixed(2),
      status,
      substatus: SUBSTATUS[status] ?? null,
      external_tx_id: paid ? txHash(rand) : null,
      created_at: created,
      updated_at: updated,
      processed_at: terminal ? updated : null,
      absent_fields: absent,
    });
  }
  return rows;
}

@Injectable()
export class SandboxWithdrawals implements OnModuleInit {
  private readonly log = new Logger('EccaexSandboxWithdrawals');

  constructor(
    private readonly store: SandboxStore,
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
  ) {}

  /** Seeds once, when the table is empty; deterministic ids make concurrent seeding harmless. */
  async onModuleInit(): Promise<void> {
    if (this.config.seedWithdrawals <= 0) return;
    if ((await this.store.withdrawalCount()) > 0) return;
    const added = await this.store.insertWithdrawals(seedWithdrawals(this.config.seedWithdrawals));
    if (added.length) this.log.log(`seeded ${added.length} sandbox withdrawals`);
  }

  async add(input: {
    amount: string;
    network_fee: string;
    status: WithdrawalStatus;
    address?: string;
    address_memo?: string | null;
    substatus?: string | null;
    external_tx_id?: string | null;
    withdrawal_method_id?: number;
  }): Promise<WithdrawalRow> {
    const amount = new Decimal(input.amount);
    const fee = new Decimal(input.network_fee);
    const terminal = TERMINAL_WITHDRAWAL.has(input.status);
    const absent = OPTIONAL_WITHDRAWAL_FIELDS.filter((f) => {
      if (f === 'processed_at') return !terminal;
      return input[f] === undefined;
    });
    const now = new Date();
    const [row] = await this.store.insertWithdrawals([
      {
        withdraw_uuid: randomUUID(),
        withdrawal_method_id: input.withdrawal_method_id ?? 1,
        address: input.address ?? tronAddress(() => randomBytes(1)[0]! / 256),
        address_memo: input.address_memo ?? null,
        amount: amount.toFixed(2),
        network_fee: fee.toFixed(2),
        amount_to_receive: amount.minus(fee).toFixed(2),
        status: input.status,
        substatus: input.substatus ?? null,
        external_tx_id: input.external_tx_id ?? null,
        created_at: now,
        updated_at: now,
        processed_at: terminal ? now : null,
        absent_fields: [...absent],
      },
    ]);
    return row!;
  }

  setStatus(uuid: string, status: WithdrawalStatus, substatus: string | null | undefined): Promise<WithdrawalRow | null> {
    const paid = status === 'success' || status === 'completed';
    return this.store.updateWithdrawalStatus(uuid, status, substatus, TERMINAL_WITHDRAWAL.has(status), paid ? txHash() : null);
  }
}
