// import-history: a file of historical moneylines and results -> odds.line records
// (source "history", book "consensus") and result records, sorted by ts. The row rules
// (exact American -> decimal, event ids, the approximate commence time) are in
// src/core/history.ts; here: reading the CSV, diagnostics, counts, output.
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { HistoryImport, REQUIRED_COLUMNS } from '../core/history.js';
import { sport as sportSchema } from '../schema/common.js';
import { EXIT, UsageError, runCommand, type CommandSpec } from './kit.js';

/** Lines listed in the log for counted (not rejected) row kinds. */
const LIST_MAX = 10;

export const spec: CommandSpec = {
  name: 'import-history',
  args: '<sport> <file>',
  description: `Reads a CSV of historical games with closing moneylines and final scores (the NBA
file ../shared/data/nba-moneylines-2008-2025.csv, bundled as
examples/history/nba-moneylines-2008-2025.csv; - is stdin) and writes, after the run
manifest, one odds.line per game with both moneylines (source "history", book
"consensus", decimal odds converted exactly from American) and one result per game whose
scores name a winner, all sorted by ts.

Event ids are <sport>-<date>-<away>-<home> with canonical team codes (gs, sa, no, ny,
utah, wsh are the file's spellings of gsw, sas, nop, nyk, uta, was). The file has the
game's date only, so times are approximate and documented: commence_ts is 19:00
America/New_York on that date, the closing line is stamped one minute before it
(ts = home_ts = away_ts), the result three hours after it.

Nothing is invented. A row missing a moneyline gives no odds.line but keeps its result
(counted: missing_moneyline). A price that is not American odds (|A| < 100, e.g. 8) is
rejected with a diagnostic (no odds.line; the result is kept). A book whose implied
probabilities sum below 1 is a real line and is written (counted: under_round; de-vig
decides per method). Equal scores give no result and a diagnostic. An unknown team code
or a bad date gives nothing for that row and a diagnostic; the same game twice keeps the
first. Diagnostics name file:line; the exit summary counts every kind.`,
  examples: [
    {
      cmd: 'import-history nba examples/history/nba-moneylines-2008-2025.csv > nba-history.ndjson',
      what: 'Import 23,118 NBA games: 19,819 closing lines and 23,117 results.',
    },
    {
      cmd: 'import-history nba examples/history/nba-moneylines-2008-2025.csv | devig --method shin | calibrate',
      what: 'Calibration of Shin-de-vigged closing lines on every game with a line and a result.',
    },
    { cmd: 'import-history nba games.csv | ndcat --validate > /dev/null', what: 'Import and check every record against its schema.' },
  ],
  output: 'ndjson',
  inputFiles: (_o, args) => [args[1]],
  async run(ctx) {
    const [sportArg, file] = ctx.args as [string, string];
    const sp = sportSchema.safeParse(sportArg);
    if (!sp.success) throw new UsageError(`sport must be nba or nhl, not "${sportArg}"`);
    if (sp.data !== 'nba') throw new UsageError(`no ${sp.data} history format is known; import-history reads the NBA moneyline file (see --help)`);
    const source = file === '-' ? 'stdin' : file;
    const decoder = ctx.makeDecoder(new Set());
    const imp = new HistoryImport(sp.data);
    const missing: number[] = [];
    const under: Array<{ line: number; booksum: number; event: string }> = [];

    let header: string[] | undefined;
    const input: Readable = file === '-' ? process.stdin : createReadStream(file);
    const parser = parse({
      columns: (h: string[]) => (header = h.map((c) => c.trim())),
      info: true,
      raw: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: false,
    });
    // A read error (no such file...) destroys the parser with it: the loop below sees it.
    pipeline(input, parser, () => undefined);
    try {
      for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number }; raw: string }>) {
        if (ctx.signal.aborted) break;
        if (imp.counts.rows === 0) {
          const absent = REQUIRED_COLUMNS.filter((c) => !header?.includes(c));
          if (absent.length) {
            ctx.log.error('not a moneyline history file: columns missing', { src: `${source}:1`, missing: absent });
            return EXIT.RUNTIME;
          }
        }
        const line = rec.info.lines;
        const raw = rec.raw.replace(/\r?\n$/, '');
        decoder.counts.in++;
        const o = imp.row(rec.record, line);
        for (const i of o.issues) decoder.bad(raw, source, line, i.reason, i.detail);
        if (o.missingMoneyline && missing.length < LIST_MAX) missing.push(line);
        if (o.underRound !== undefined && o.odds && under.length < LIST_MAX) under.push({ line, booksum: o.underRound, event: o.odds.event });
      }
    } catch (e) {
      const err = e as Error & { code?: string; lines?: number };
      if (err.code?.startsWith('CSV_')) ctx.log.error('the file is not readable as CSV', { src: `${source}:${err.lines ?? '?'}`, err: err.message });
      else ctx.log.error('cannot read the history file', { src: source, err: err.message });
      return EXIT.RUNTIME;
    }
    if (imp.counts.rows === 0) {
      ctx.log.error('no games in the file', { src: source });
      return EXIT.RUNTIME;
    }

    const c = imp.counts;
    if (c.missing_moneyline)
      ctx.log.info('rows without both moneylines: no odds.line, result kept', {
        count: c.missing_moneyline,
        first_lines: missing.map((n) => `${source}:${n}`),
      });
    if (c.under_round)
      ctx.log.info('lines whose implied probabilities sum below 1: written (a real line; de-vig decides per method)', {
        count: c.under_round,
        lines: under.map((u) => ({ src: `${source}:${u.line}`, event: u.event, booksum: u.booksum })),
      });
    let n = 0;
    for (const r of imp.records()) {
      ctx.out.record(r);
      if ((++n & 1023) === 0 && ctx.out.writer.backpressured) await ctx.out.writer.ready();
      if (ctx.signal.aborted) break;
    }
    Object.assign(ctx.summary, {
      rows: c.rows,
      odds_lines: c.odds_lines,
      results: c.results,
      missing_moneyline: c.missing_moneyline,
      under_round: c.under_round,
    });
    return EXIT.OK;
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
