/**
 * Signature discovery over captured callbacks (ECCAEX_SIGNATURE_CAPTURE): which supported scheme
 * and which candidate secret reproduce the signatures EccaEx really sent, and the settings to
 * use. Pure: the caller reads the captures and names the candidate secrets. Secret values never
 * appear in the report, only their labels.
 */
import { discoverScheme, SchemeCombination, SUPPORTED_SCHEMES } from './eccaex-signature';

export interface CapturedCallback {
  id: string;
  reason: string;
  rawBody: Buffer;
  signature: string | null;
  timestamp: string | null;
  contentType: string | null;
  headerNames: string | null;
  receivedAt: Date;
}

export interface CandidateSecret {
  /** How the report names it, e.g. "ECCAEX_WEBHOOK_SECRET" or "ECCAEX_API_KEY"; never the value. */
  label: string;
  value: string;
}

export type TimestampUnit = 'seconds' | 'milliseconds' | 'absent' | 'unrecognised';

export interface CaptureFinding {
  capture: CapturedCallback;
  matches: Array<SchemeCombination & { secret: string }>;
  timestampUnit: TimestampUnit;
}

export interface DiscoveredSettings extends SchemeCombination {
  secret: string;
  /** Captures this combination reproduces. */
  matched: number;
  timestampUnit: TimestampUnit;
}

export interface DiscoveryReport {
  captures: number;
  candidates: string[];
  findings: CaptureFinding[];
  /** The combination that reproduces the most captures (first in SUPPORTED_SCHEMES order on a tie), or null. */
  best: DiscoveredSettings | null;
  /** Other combinations reproducing as many captures as `best` (e.g. {body} vs {timestamp}{body} with no timestamp). */
  alsoMatching: DiscoveredSettings[];
}

const DAY_S = 86_400;

/** Seconds or milliseconds, judged against when the callback was received (within a day). */
export function timestampUnitOf(timestamp: string | null, receivedAt: Date): TimestampUnit {
  const t = timestamp?.trim() ?? '';
  if (t === '') return 'absent';
  if (!/^\d{1,16}$/.test(t)) return 'unrecognised';
  const n = Number(t);
  const at = receivedAt.getTime() / 1000;
  if (Math.abs(n - at) <= DAY_S) return 'seconds';
  if (Math.abs(n / 1000 - at) <= DAY_S) return 'milliseconds';
  return 'unrecognised';
}

const comboKey = (c: SchemeCombination & { secret: string }) => `${c.payload}|${c.algorithm}|${c.encoding}|${c.secret}`;

export function analyseCaptures(captures: readonly CapturedCallback[], candidates: readonly CandidateSecret[]): DiscoveryReport {
  const secrets = candidates.map((c) => c.value);
  const findings: CaptureFinding[] = captures.map((capture) => {
    const found = capture.signature
      ? discoverScheme({ rawBody: capture.rawBody, signature: capture.signature, timestamp: capture.timestamp ?? '' }, secrets)
      : [];
    return {
      capture,
      matches: found.map((f) => ({ payload: f.payload, algorithm: f.algorithm, encoding: f.encoding, secret: candidates[f.secretIndex]!.label })),
      timestampUnit: timestampUnitOf(capture.timestamp, capture.receivedAt),
    };
  });

  const tally = new Map<string, { combo: SchemeCombination & { secret: string }; matched: number; units: TimestampUnit[] }>();
  for (const f of findings) {
    for (const m of f.matches) {
      const key = comboKey(m);
      const t = tally.get(key) ?? { combo: m, matched: 0, units: [] };
      t.matched += 1;
      t.units.push(f.timestampUnit);
      tally.set(key, t);
    }
  }
  const order = (c: SchemeCombination) => SUPPORTED_SCHEMES.findIndex((s) => s.payload === c.payload && s.algorithm === c.algorithm && s.encoding === c.encoding);
  const secretOrder = (label: string) => candidates.findIndex((c) => c.label === label);
  const ranked = [...tally.values()].sort((a, b) => b.matched - a.matched || order(a.combo) - order(b.combo) || secretOrder(a.combo.secret) - secretOrder(b.combo.secret));
  const toSettings = (t: (typeof ranked)[number]): DiscoveredSettings => ({ ...t.combo, matched: t.matched, timestampUnit: majority(t.units) });
  const best = ranked[0] ? toSettings(ranked[0]) : null;
  const alsoMatching = best ? ranked.slice(1).filter((t) => t.matched === best.matched).map(toSettings) : [];
  return { captures: captures.length, candidates: candidates.map((c) => c.label), findings, best, alsoMatching };
}

function majority(units: TimestampUnit[]): TimestampUnit {
  const counts = new Map<TimestampUnit, number>();
  for (const u of units) counts.set(u, (counts.get(u) ?? 0) + 1);
  let best: TimestampUnit = 'unrecognised';
  let n = -1;
  for (const [u, c] of counts) if (c > n) [best, n] = [u, c];
  return best;
}

function schemeText(c: SchemeCombination & { secret: string }): string {
  return `payload ${c.payload}, ${c.algorithm}, ${c.encoding}, secret ${c.secret}`;
}

/** The human report `npm run eccaex:signature` prints. */
export function formatReport(r: DiscoveryReport, current?: SchemeCombination): string {
  const lines: string[] = [];
  lines.push(`EccaEx signature discovery: ${r.captures} captured callback(s), newest first; candidate secrets: ${r.candidates.length ? r.candidates.join(', ') : 'none'}`);
  if (!r.candidates.length) lines.push('  No candidate secrets: set ECCAEX_WEBHOOK_SECRET (and ECCAEX_API_KEY, also tried as a secret).');
  if (!r.captures) {
    lines.push('  Nothing captured yet: run the service with ECCAEX_SIGNATURE_CAPTURE=true and let EccaEx send a callback (e.g. resend one from the dashboard or POST /v1/orders/{ref}/gateway-webhooks/resend).');
  }
  lines.push('');
  for (const f of r.findings) {
    const c = f.capture;
    lines.push(
      `#${c.id}  ${c.receivedAt.toISOString()}  rejected as ${c.reason}  ${c.rawBody.length} bytes  content-type ${c.contentType ?? '-'}  timestamp ${c.timestamp ?? '-'} (${f.timestampUnit})`,
    );
    if (!c.signature) lines.push(`    no X-Signature header; headers present: ${c.headerNames ?? '-'}`);
    else if (!f.matches.length) lines.push('    no supported scheme reproduces its X-Signature with these secrets');
    for (const m of f.matches) lines.push(`    matches: ${schemeText(m)}`);
  }
  lines.push('');
  const b = r.best;
  if (!b) {
    lines.push('NO MATCH: none of the supported schemes (payload {timestamp}.{body} | {body} | {timestamp}{body}; sha256 | sha512; hex | base64) reproduces a captured signature with the candidate secrets.');
    lines.push('Check the secret in the EccaEx dashboard (and whether the API key is the signing key), then capture again.');
    return lines.join('\n') + '\n';
  }
  lines.push(`MATCH: ${b.matched} of ${r.captures} captured callback(s) are signed with ${schemeText(b)}. Settings to use:`);
  lines.push('');
  lines.push(`  ECCAEX_SIGNATURE_PAYLOAD=${b.payload}`);
  lines.push(`  ECCAEX_SIGNATURE_ALGORITHM=${b.algorithm}`);
  lines.push(`  ECCAEX_SIGNATURE_ENCODING=${b.encoding}`);
  if (b.secret.startsWith('ECCAEX_API_KEY')) lines.push('  ECCAEX_WEBHOOK_SECRET=<the value of ECCAEX_API_KEY>   (EccaEx signs with the merchant API key)');
  else lines.push(`  (secret: the one in ${b.secret}; keep it in ECCAEX_WEBHOOK_SECRET)`);
  lines.push('');
  switch (b.timestampUnit) {
    case 'seconds':
      lines.push('X-Signature-Timestamp looks like unix seconds: what the freshness check (ECCAEX_SIGNATURE_TOLERANCE_S) expects.');
      break;
    case 'milliseconds':
      lines.push('X-Signature-Timestamp looks like unix MILLISECONDS: the service reads it as seconds, so every callback would be rejected as malformed_timestamp; this needs a change to the verifier before enforcement, not only settings.');
      break;
    case 'absent':
      lines.push('No X-Signature-Timestamp was sent: the service requires it (missing_timestamp); this needs a change to the verifier before enforcement.');
      break;
    default:
      lines.push('X-Signature-Timestamp is neither unix seconds nor milliseconds near the time it was received: check the clocks, or the header.');
  }
  if (b.payload === '{body}') lines.push('The timestamp is not part of the signed bytes ({body}); freshness still uses the header.');
  if (r.alsoMatching.length) {
    lines.push(`Equally consistent with the captures: ${r.alsoMatching.map(schemeText).join('; ')} (capture a callback with a timestamp to tell them apart).`);
  }
  if (current && current.payload === b.payload && current.algorithm === b.algorithm && current.encoding === b.encoding) {
    lines.push('These are the settings in use already: the rejections were for another reason (see each capture above, e.g. the secret or the timestamp).');
  }
  return lines.join('\n') + '\n';
}
