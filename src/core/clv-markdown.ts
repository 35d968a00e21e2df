// The CLV report a person reads (clv-report --markdown FILE): the verdict per group, the
// mean PnL split, the unscored fills and every scored fill. Pure and deterministic: the
// same rows and summaries give the same bytes (dates come from the data).
import { groupLabel, type ClvRow, type ClvSummaryBody } from './clv.js';

export interface ClvMarkdownInput {
  reference: string;
  refAfterMs: number;
  refLateAfterMs: number;
  rows: readonly ClvRow[];
  summaries: readonly ClvSummaryBody[];
  /** Bad input by reason (fills not scored because the input was wrong). */
  bad: Readonly<Record<string, number>>;
}

/** Fixed decimals, never "-0.00". */
const fixed = (x: number, d: number): string => x.toFixed(d).replace(/^-(0\.?0*)$/, '$1');
const pp = (x: number | null): string => (x === null ? '–' : fixed(x * 100, 2));
const pct = (x: number | null): string => (x === null ? '–' : `${fixed(x * 100, 2)}%`);
const usd = (x: number | null): string => (x === null ? '–' : fixed(x, 4));
const prob = (x: number | null): string => (x === null ? '–' : fixed(x, 4));
const iso = (ts: number | null): string => (ts === null ? '–' : new Date(ts).toISOString().replace('.000Z', 'Z'));
const minutes = (ms: number): string => `${+(ms / 60_000).toFixed(2)} min`;

export function clvMarkdown(x: ClvMarkdownInput): string {
  const L: string[] = [];
  const all = x.summaries.find((s) => Object.keys(s.group).length === 0);
  L.push(`# Closing line value against ${x.reference}`, '');
  if (all) {
    L.push(`Fills ${iso(all.from_ts)} to ${iso(all.to_ts)}. ${all.n_fills} scored fills over ${all.n_games} games, ${all.n_unscored} without a closing line.`);
    L.push(
      `Verdict: **${all.positive ? 'positive' : 'not shown positive'}** (mean CLV ${pp(all.mean_clv)} points, ${Math.round(all.confidence * 100)}% interval ${pp(all.ci_low)} to ${pp(all.ci_high)}, one-sided p ${all.p_value === null ? '–' : all.p_value.toFixed(4)}; positive needs the interval above 0 over at least ${all.min_games} games).`,
      '',
    );
  }
  L.push(
    "CLV is in probability points (YES buy: close − price; sell: price − close), against the reference path's last probability at or before the game's commence time. The interval is a bootstrap that resamples whole games " +
      `(${all?.bootstrap_resamples ?? '–'} resamples, seed ${all?.seed ?? '–'}); the p-value is one-sided (H0: mean CLV <= 0).`,
    '',
  );
  L.push('## By group', '');
  L.push('| group | fills | games | unscored | mean CLV (pp) | CI low | CI high | p | mean CLV ROI | positive |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of x.summaries) {
    L.push(
      `| ${groupLabel(s.group)} | ${s.n_fills} | ${s.n_games} | ${s.n_unscored} | ${pp(s.mean_clv)} | ${pp(s.ci_low)} | ${pp(s.ci_high)} | ${s.p_value === null ? '–' : s.p_value.toFixed(4)} | ${pct(s.mean_clv_roi)} | ${s.positive ? 'yes' : 'no'} |`,
    );
  }
  L.push('', '## PnL split per contract (mean, dollars)', '');
  L.push(
    'pnl = edge claimed (fair − reference at the decision) + execution (reference at the decision − fill price) + fee drag + model error (close − fair) + outcome noise (result − close), mirrored for sells. Means are over the scored fills with the whole split (a result, and the reference at the decision), so each row adds up.',
    '',
  );
  L.push('| group | fills | edge claimed | execution | fee drag | model error | outcome noise | realized pnl |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of x.summaries) {
    L.push(
      `| ${groupLabel(s.group)} | ${s.n_split} | ${usd(s.mean_edge_claimed)} | ${usd(s.mean_execution_error)} | ${usd(s.mean_fee_drag)} | ${usd(s.mean_model_error)} | ${usd(s.mean_outcome_noise)} | ${usd(s.mean_pnl)} |`,
    );
  }
  const unscored = x.rows.filter((r) => r.unscored !== null);
  L.push('', `## Fills without a closing line (${unscored.length})`, '');
  if (unscored.length === 0) L.push('None.');
  else {
    L.push('| fill ts | trade | ticker | event | reason |', '|---|---|---|---|---|');
    for (const r of unscored) L.push(`| ${iso(r.ts)} | ${r.trade_id} | ${r.ticker} | ${r.event} | ${r.unscored} |`);
  }
  const badReasons = Object.keys(x.bad).sort();
  L.push('', '## Bad input', '');
  if (badReasons.length === 0) L.push('None.');
  else {
    L.push('| reason | lines |', '|---|---:|');
    for (const k of badReasons) L.push(`| ${k} | ${x.bad[k]} |`);
  }
  L.push('', '## Fills', '');
  L.push(
    `Probabilities are the ticker's YES side; "+${minutes(x.refAfterMs)}" and "+${minutes(x.refLateAfterMs)}" are the reference after the fill (capped at commence).`,
    '',
  );
  L.push(
    `| fill ts | ticker | action | liq | count | price | fair | ref at quote | +${minutes(x.refAfterMs)} | +${minutes(x.refLateAfterMs)} | close | result | CLV (pp) | pnl/contract |`,
  );
  L.push('|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of x.rows) {
    L.push(
      `| ${iso(r.ts)} | ${r.ticker} | ${r.action} | ${r.liquidity} | ${r.count} | ${r.fill_price} | ${prob(r.fair_p)} | ${prob(r.decision_ref_p)} | ${prob(r.ref_p)} | ${prob(r.ref_late_p)} | ${prob(r.close_p)} | ${r.outcome === null ? '–' : r.outcome} | ${pp(r.clv)} | ${usd(r.pnl)} |`,
    );
  }
  return L.join('\n') + '\n';
}
