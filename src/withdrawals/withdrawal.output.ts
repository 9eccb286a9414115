import { ApiProperty } from '@nestjs/swagger';
import { formatMoney, WITHDRAWAL_STATUS_GROUPS, WithdrawalStatusGroup } from './withdrawal.mapping';
import { WithdrawalRow } from './withdrawals.repository';

export class WithdrawalOutput {
  @ApiProperty({ format: 'uuid', description: "this service's id of the mirrored row" }) id: string;
  @ApiProperty({ example: 'b3f1a2c4-5d6e-7f8a-9b0c-1d2e3f4a5b6c', description: "the gateway's id" }) withdraw_uuid: string;
  @ApiProperty({ nullable: true, example: 1 }) withdrawal_method_id: number | null;
  @ApiProperty({ nullable: true, example: 'TXqZ5nM3YwK8vR2pL7dFcJ6hG9bE4sA1uN' }) address: string | null;
  @ApiProperty({ nullable: true, description: 'null when the gateway left it out' }) address_memo: string | null;
  @ApiProperty({ example: '150.00', description: 'USDT, decimal string' }) amount: string;
  @ApiProperty({ nullable: true, example: '1.00' }) network_fee: string | null;
  @ApiProperty({ nullable: true, example: '149.00' }) amount_to_receive: string | null;
  @ApiProperty({ example: 'success', description: "the gateway's status, verbatim (pending, success, completed, failed, cancelled, …)" }) status: string;
  @ApiProperty({ nullable: true, enum: WITHDRAWAL_STATUS_GROUPS, description: 'normalised status: `completed` reads as success; null for a status we do not know' })
  status_group: WithdrawalStatusGroup | null;
  @ApiProperty({ nullable: true }) substatus: string | null;
  @ApiProperty({ nullable: true }) external_tx_id: string | null;
  @ApiProperty({ nullable: true, format: 'date-time', description: "the gateway's created_at" }) created_at: string | null;
  @ApiProperty({ nullable: true, format: 'date-time', description: "the gateway's updated_at" }) updated_at: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) processed_at: string | null;
  @ApiProperty({ format: 'date-time', description: 'when a sync last wrote this row (created, or changed at the gateway)' }) synced_at: string;
}

export class WithdrawalListOutput {
  @ApiProperty({ type: [WithdrawalOutput] }) data: WithdrawalOutput[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class WithdrawalSyncOutput {
  @ApiProperty({ description: 'withdrawals read from the gateway' }) fetched: number;
  @ApiProperty({ description: 'new rows in the mirror' }) created: number;
  @ApiProperty({ description: 'rows that differed and were rewritten' }) updated: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toWithdrawalOutput(r: WithdrawalRow): WithdrawalOutput {
  return {
    id: r.id,
    withdraw_uuid: r.withdraw_uuid,
    withdrawal_method_id: r.withdrawal_method_id === null ? null : Number(r.withdrawal_method_id),
    address: r.address,
    address_memo: r.address_memo,
    amount: formatMoney(r.amount)!,
    network_fee: formatMoney(r.network_fee),
    amount_to_receive: formatMoney(r.amount_to_receive),
    status: r.status,
    status_group: r.status_group,
    substatus: r.substatus,
    external_tx_id: r.external_tx_id,
    created_at: iso(r.gateway_created_at),
    updated_at: iso(r.gateway_updated_at),
    processed_at: iso(r.processed_at),
    synced_at: r.synced_at.toISOString(),
  };
}
