// exec-gap: latency quantiles and the expected edge lost between decision and fill
// (roadmap 9). Reads latency, order and fill records in any order; writes Markdown, and
// on request a CSV and one SVG chart. The computation is src/core/exec-gap.ts.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { execGap, execGapCsv, execGapMarkdown, execGapSpec } from '../core/exec-gap.js';
import type { Fill, Latency, Order, RecordType } from '../schema/records.js';
import { EXIT, runCommand, type CommandSpec } from './kit.js';

interface Opts {
  markdown?: string;
  csv?: string;
  svg?: string;
}

const CONSUMED: ReadonlySet<RecordType> = new Set<RecordType>(['latency', 'order', 'fill']);

export const spec: CommandSpec<Opts> = {
  name: 'exec-gap',
  args: '[files...]',
  description: `Reads latency, order and fill records from FILES (or stdin), in any order, e.g. the
output of quote (shadow or live, one run or several), and reports the execution gap.

Latency: n, p50, p90, p99 and max of each latency kind (oracle-to-order, quote-to-action,
cancel, reprice), per mode (a latency record takes the mode of the order its
client_order_id names, else "unknown"), over all days and per US Eastern day. Quantiles
interpolate linearly between the closest ranks (numpy's default).

Edge lost, per fill and summed per US Eastern day and mode, in dollars: edge at decision
(the order's edge: fair at decision against its limit after the fee priced in; without an
order record, the fill's quote_fair_p against the fill price after the fill's fee) minus
edge at fill (the fill's fair_p, the oracle at fill time, against the fill price after the
fee charged). The difference splits exactly into latency (the fair value moved), price
(slippage against the order's limit) and fee (charged minus priced in). A fill with
neither an order record nor quote_fair_p is listed and counted, never scored.

Shadow against live: on each day with both shadow and live orders, orders, contracts
ordered and filled, fill rate, edges per contract, edge lost and median quote-to-action
latency side by side with live minus shadow; decisions with the same ticker, side,
action, price and oracle_ts in both modes are matched and their fills compared.

Markdown goes to stdout, or to --markdown FILE; --csv FILE writes the latency and daily
edge tables as one CSV (a "table" column tells them apart); --svg FILE one chart (latency
quantiles by kind, edge lost per day by component; vega-lite rendered server-side). Files
are replaced whole. The same records give the same bytes. A fill repeated (same mode and
trade_id) is a bad line (duplicate-fill), counted once.`,
  examples: [
    { cmd: 'exec-gap quoted.ndjson', what: 'Latency quantiles and edge lost of one quote run, as Markdown on stdout.' },
    {
      cmd: 'exec-gap --markdown out/gap.md --csv out/gap.csv --svg out/gap.svg shadow.ndjson live.ndjson',
      what: 'A shadow and a live session over the same days: the report, its tables as CSV and the chart.',
    },
    { cmd: 'quote --shadow --replay --oracle boltodds/shin session.ndjson | exec-gap', what: 'The execution gap of a replayed session, straight from quote.' },
  ],
  output: (o) => (o.markdown !== undefined ? 'none' : 'text'),
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('--markdown <file>', 'write the Markdown report to FILE instead of stdout');
    cmd.option('--csv <file>', 'write the latency and daily edge tables to FILE as CSV');
    cmd.option('--svg <file>', 'write the chart to FILE as SVG');
  },
  async run(ctx) {
    const latencies: Latency[] = [];
    const orders: Order[] = [];
    const fills: Fill[] = [];
    const seenFills = new Set<string>();
    await ctx.readRecords(ctx.args, {
      consume: CONSUMED,
      onRecord(rec, where) {
        if (rec.type === 'latency') latencies.push(rec);
        else if (rec.type === 'order') orders.push(rec);
        else if (rec.type === 'fill') {
          const k = `${rec.mode}\u0000${rec.trade_id}`;
          if (seenFills.has(k)) {
            ctx.reject(where, 'duplicate-fill', `${rec.mode} trade_id ${rec.trade_id} was already read; counted once`);
            return;
          }
          seenFills.add(k);
          fills.push(rec);
        }
      },
      onOther() {
        // a sink: other records are counted by the decoder (in_by_type), not passed on
      },
    });
    const report = execGap({ latencies, orders, fills });
    Object.assign(ctx.summary, {
      latency: latencies.length,
      orders: orders.length,
      fills: fills.length,
      fills_scored: report.fills.length,
      fills_unscored: report.unscored.length,
      latency_without_order: report.counts.latency_without_order,
      shadow_live_days: report.pairs.filter((p) => p.day !== 'all').length,
    });
    if (report.unscored.length > 0)
      ctx.log.warn('fills without a decision (no order record with fair_p and edge, no quote_fair_p): not scored', { fills: report.unscored.length });
    const { markdown, csv, svg } = ctx.opts;
    const svgRef = svg === undefined ? undefined : markdown === undefined ? svg : relative(dirname(markdown), svg);
    const md = execGapMarkdown(report, svgRef);
    if (markdown !== undefined) replaceFile(markdown, md);
    else for (const line of md.replace(/\n$/, '').split('\n')) ctx.text.writeLine(line);
    if (csv !== undefined) replaceFile(csv, execGapCsv(report));
    if (svg !== undefined) {
      // vega is loaded only when a chart is asked for: it costs a few hundred ms at startup.
      const { vegaLiteToSvg } = await import('../report/vega.js');
      const warnings: string[] = [];
      replaceFile(svg, await vegaLiteToSvg(execGapSpec(report), warnings));
      for (const w of warnings) ctx.log.warn('chart warning', { detail: w });
    }
    return EXIT.OK;
  },
};

/** Replace FILE whole (write a temporary file, then rename). */
function replaceFile(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
