/**
 * `npm run eccaex:signature`: reads the rejected callbacks the service kept
 * (ECCAEX_SIGNATURE_CAPTURE=true) from DATABASE_URL, or from the embedded database under
 * DATA_DIR (stop the service first: the embedded database is single-process), tries every
 * supported signature scheme with the configured secrets (ECCAEX_WEBHOOK_SECRET, each entry, and
 * ECCAEX_API_KEY, which EccaEx may sign with) and prints which one matches and the settings to use.
 *
 * Exit status: 0 a scheme matched, 2 nothing matched (or nothing captured), 1 an error.
 * Settings not needed here (API keys of the storefront/ops) are not required.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { loadSettings, Settings, SettingsError } from '../src/config/settings';
import { openDatabase } from '../src/database/database';
import { analyseCaptures, CandidateSecret, CapturedCallback, DiscoveryReport, formatReport } from '../src/gateways/eccaex/eccaex-signature-discovery';

type Env = Record<string, string | undefined>;

/** The secrets to try, each named by where it came from; values never printed. */
export function candidateSecrets(settings: Settings, env: Env): CandidateSecret[] {
  const out: CandidateSecret[] = [];
  const secrets = settings.eccaex.webhookSecrets;
  secrets.forEach((value, i) => out.push({ label: secrets.length > 1 ? `ECCAEX_WEBHOOK_SECRET #${i + 1}` : 'ECCAEX_WEBHOOK_SECRET', value }));
  const apiKey = env.ECCAEX_API_KEY?.trim();
  if (apiKey) out.push({ label: 'ECCAEX_API_KEY', value: apiKey });
  if (!secrets.length) {
    // Sandbox mode with generated dev secrets: the one the service and its sandbox use.
    const file = join(settings.dataDir, 'dev-keys.json');
    if (existsSync(file)) {
      try {
        const dev = JSON.parse(readFileSync(file, 'utf8')) as { webhookSecret?: string };
        if (dev.webhookSecret) out.push({ label: `dev webhook secret (${file})`, value: dev.webhookSecret });
      } catch {
        // unreadable: not a candidate
      }
    }
  }
  return out;
}

/** The kept captures, newest first; [] when the table does not exist yet. */
export async function readCaptures(settings: Settings): Promise<{ captures: CapturedCallback[]; missingTable: boolean }> {
  const db = await openDatabase(settings, 10_000);
  const client = new Client({ connectionString: db.url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('public.signature_captures')::text AS t`);
    if (!exists.rows[0]?.t) return { captures: [], missingTable: true };
    const r = await client.query<{
      id: string; reason: string; raw_body: Buffer; x_signature: string | null; x_signature_timestamp: string | null;
      content_type: string | null; header_names: string | null; received_at: Date;
    }>(`SELECT id::text AS id, reason, raw_body, x_signature, x_signature_timestamp, content_type, header_names, received_at
          FROM signature_captures ORDER BY id DESC LIMIT 100`);
    return {
      missingTable: false,
      captures: r.rows.map((row) => ({
        id: row.id,
        reason: row.reason,
        rawBody: row.raw_body,
        signature: row.x_signature,
        timestamp: row.x_signature_timestamp,
        contentType: row.content_type,
        headerNames: row.header_names,
        receivedAt: new Date(row.received_at),
      })),
    };
  } finally {
    await client.end().catch(() => undefined);
    await db.stop();
  }
}

export interface SignatureDiscoveryResult {
  report: DiscoveryReport;
  text: string;
  exitCode: number;
}

/** Everything the command does but exiting: read settings and captures, analyse, format. */
export async function runSignatureDiscovery(env: Env = process.env): Promise<SignatureDiscoveryResult> {
  // Sandbox-mode parsing: the storefront/ops keys live mode requires are not needed to read captures.
  const settings = loadSettings({ ...env, ECCAEX_MODE: 'sandbox', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' });
  const candidates = candidateSecrets(settings, env);
  const { captures, missingTable } = await readCaptures(settings);
  const report = analyseCaptures(captures, candidates);
  let text = formatReport(report, { payload: settings.eccaex.signaturePayload, algorithm: settings.eccaex.signatureAlgorithm, encoding: settings.eccaex.signatureEncoding });
  if (missingTable) text = `The database has no signature_captures table yet: start the service once (it migrates), with ECCAEX_SIGNATURE_CAPTURE=true.\n${text}`;
  return { report, text, exitCode: report.best ? 0 : 2 };
}

if (require.main === module) {
  Logger.overrideLogger(['fatal', 'error', 'warn']);
  runSignatureDiscovery()
    .then((r) => {
      process.stdout.write(r.text);
      process.exit(r.exitCode);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof SettingsError ? err.message : `signature discovery failed: ${(err as Error).message}`}\n`);
      process.exit(1);
    });
}
