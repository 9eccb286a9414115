import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrderException } from './domain/exceptions';
import { OrderStatus } from './domain/order-status';

export type { OrderPaymentState as OrderPayment } from './domain/decide';
import type { OrderPaymentState as OrderPayment } from './domain/decide';

@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 128 }) external_id: string;
  @Column({ type: 'varchar', length: 32 }) provider: string;
  @Column({ type: 'varchar', length: 24 }) status: OrderStatus;
  @Column({ type: 'numeric', precision: 14, scale: 2 }) amount: string;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'varchar', length: 128 }) customer_id: string;
  @Column({ type: 'varchar', length: 512, nullable: true }) description: string | null;
  @Column({ type: 'jsonb', default: {} }) metadata: Record<string, string>;
  @Column({ type: 'text', nullable: true }) success_url: string | null;
  @Column({ type: 'text', nullable: true }) fail_url: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) payment_method: string | null;
  @Column({ type: 'text', nullable: true }) payment_link: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) gateway_invoice_id: string | null;
  @Column({ type: 'timestamptz', nullable: true }) expires_at: Date | null;
  @Column({ type: 'jsonb', nullable: true }) payment: OrderPayment | null;
  @Column({ type: 'timestamptz', nullable: true }) paid_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) last_checked_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) paid_rechecked_at: Date | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) exception: OrderException | null;
  @Column({ type: 'timestamptz', nullable: true }) exception_resolved_at: Date | null;
  /** sha256 hex of the per-order callback credential (gateways with callbacks.perOrderCredential); never shown. */
  @Column({ type: 'varchar', length: 64, nullable: true }) callback_credential_hash: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updated_at: Date;
}

@Entity({ name: 'order_events' })
export class OrderEventEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) order_id: string;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @Column({ type: 'varchar', length: 48 }) type: string;
  @Column({ type: 'varchar', length: 24, nullable: true }) from_status: OrderStatus | null;
  @Column({ type: 'varchar', length: 24, nullable: true }) to_status: OrderStatus | null;
  @Column({ type: 'varchar', length: 16 }) source: EventSource;
  @Column({ type: 'varchar', length: 200 }) dedupe_key: string;
  @Column({ type: 'jsonb', default: {} }) data: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) created_at: Date;
}

export type EventSource = 'api' | 'webhook' | 'reconcile' | 'ops';
