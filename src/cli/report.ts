// report: the reports an operator reads. `report daily` sums one US Eastern day of
// session records into DIR/YYYY-MM-DD/ (report.md, CSV tables, SVG charts, index.html).
// The sums live in src/core/daily-report.ts; charts are rendered by src/report/vega.ts.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringifyRows } from '../ledger/csv.js';
import { chartSpecs, DailyReport, dailyMarkdown, easternDay, easternYesterday, indexHtml, tables, type Artifacts } from '../core/daily-report.js';
import type { RecordType } from '../schema/index.js';
import { EXIT, runCommand, UsageError, type CommandSpec } from './kit.js';

interface DailyOpts {
  date?: string;
  out: string;
}

const CONSUMED: ReadonlySet<RecordType> = new Set<RecordType>([
  'run.manifest',
  'order',
  'fill',
  'position',
  'skip',
  'latency',
  'killswitch',
  'oracle.status',
  'kalshi.status',
  'market.link',
  'clv',
  'clv.summary',
]);

/** Write FILE whole or not at all (a reader never sees half a report). */
function put(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const daily: CommandSpec<DailyOpts> = {
  name: 'daily',
  args: '[files...]',
  summary: 'one US Eastern day of session records as a dated folder: Markdown, CSV tables, SVG charts, an HTML page',
  description: `Reads the records of quote sessions (order, fill, position, skip, latency, killswitch,
oracle.status, kalshi.status, run.manifest; clv and clv.summary from clv-report when
given) and writes DIR/YYYY-MM-DD/ for one US Eastern day: report.md, one CSV per table,
performance.svg, skips.svg and latency.svg (vega-lite rendered without a browser), and
index.html showing them together. The same input gives the same bytes.

The day is --date (default: yesterday in US Eastern time, from the clock, so a cron line
after midnight ET reports the day just ended), from 00:00 to 24:00 America/New_York (23 or
25 hours on the DST changes). Records of other days are read too: they carry the state of
incidents and the fills behind a settlement, but are not counted.

Sections: performance by sport, by oracle path (the fill's source/method), maker vs
taker and run profile (fills, contracts, notional, fees of the day's fills; realized PnL
of the positions settled in the day, split over each ticker's fills for path and
maker/taker, the rest "unattributed"); skips by
reason; the CLV summary from clv.summary records (if there is none, the report says so:
none is invented); stale-feed incidents (oracle.status unavailable, kalshi.status not
live, killswitch tripped, each until it clears: start, end, duration, scope, condition;
one still open at the end of its input is shown open); Kalshi reconnects (each increase of
the reconnects counter, with its cause); latency quantiles per kind (p50, p90, p99, linear
interpolation); and the runs covered (run.manifest: branch, commit, profile, config
fingerprint). Incidents and reconnects are followed per input file, one process each.

Bad input lines are diagnosed, counted in the report and left out (--strict stops).
stdout lists the files written, one per line.`,
  examples: [
    {
      cmd: 'report daily --out reports sessions/*.ndjson',
      what: 'Report yesterday (US Eastern) into reports/YYYY-MM-DD/; the cron line of examples/cron/chimera.crontab.',
    },
    {
      cmd: 'report daily --date 2026-01-25 --out reports session.ndjson clv.ndjson',
      what: 'Report 25 January 2026 with the CLV summary clv-report wrote into clv.ndjson.',
    },
  ],
  output: 'text',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('--date <YYYY-MM-DD>', 'the US Eastern day to report (default: yesterday in US Eastern time)');
    cmd.requiredOption('--out <dir>', 'write the report into DIR/YYYY-MM-DD/');
  },
  async run(ctx) {
    // Under --replay the clock has no time before the first record: the day must be given.
    if (ctx.opts.date === undefined && ctx.opts.replay) throw new UsageError('--replay: give --date (the replay clock has no time before the data)');
    const date = ctx.opts.date ?? easternYesterday(ctx.clock.now());
    const day = easternDay(date);
    if (!day) throw new UsageError(`--date ${date}: not a calendar date YYYY-MM-DD`);
    const report = new DailyReport(day);
    ctx.log.info('daily report', { date, start: day.start, end: day.end, out: ctx.opts.out });
    await ctx.readRecords(ctx.args, {
      consume: CONSUMED,
      onRecord(rec, where) {
        report.add(rec, where.source);
      },
      onOther() {
        // other record types are counted by the decoder, not reported
      },
    });
    const data = report.result();
    const dir = join(ctx.opts.out, date);
    mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const ts = tables(data);
    for (const t of ts) {
      put(join(dir, `${t.name}.csv`), stringifyRows([t.columns, ...t.rows]));
      written.push(`${t.name}.csv`);
    }
    // vega is loaded only here: it costs a few hundred ms at startup.
    const { vegaLiteToSvg } = await import('../report/vega.js');
    const charts: string[] = [];
    for (const [name, spec] of chartSpecs(data)) {
      const warnings: string[] = [];
      const svg = await vegaLiteToSvg(spec, warnings);
      for (const w of warnings) ctx.log.warn('chart warning', { chart: name, detail: w });
      put(join(dir, `${name}.svg`), svg);
      charts.push(`${name}.svg`);
    }
    const counts = ctx.decoder?.counts;
    const bad = counts ? [...counts.rejected.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : [];
    const art: Artifacts = { charts, csv: ts.map((t) => `${t.name}.csv`), bad, inputs: ctx.args };
    put(join(dir, 'report.md'), dailyMarkdown(data, art));
    put(join(dir, 'index.html'), indexHtml(data, art));
    written.push(...charts, 'report.md', 'index.html');
    for (const f of written.sort()) ctx.text.writeLine(join(dir, f));
    Object.assign(ctx.summary, {
      date,
      dir,
      records_in_day: data.in_day,
      fills: data.totals.fills,
      realized_pnl: data.totals.realized_pnl,
      incidents: data.incidents.length,
      reconnects: data.reconnects.length,
      clv_summaries: data.clv_summaries.length,
    });
    if (data.in_day === 0) ctx.log.warn('no record of the input falls in the day: the report is empty', { date });
    return EXIT.OK;
  },
};

export const spec: CommandSpec = {
  name: 'report',
  description: `The reports an operator reads every morning. report daily sums one US Eastern day of
session records into a dated folder of Markdown, CSV tables, SVG charts and an HTML page.`,
  examples: [{ cmd: 'report daily --out reports sessions/*.ndjson', what: "Yesterday's report (US Eastern) in reports/YYYY-MM-DD/." }],
  output: 'text',
  subcommands: [daily],
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
