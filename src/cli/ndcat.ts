// ndcat: concatenate record files in order, or merge them by time. Lines pass through
// verbatim; lines that are not records are reported and counted (with --validate, lines
// that fail their schema too). --merge is the replay merge: stable by (ts, file, line),
// and an input that goes back in time stops the run with its source:line.
import { epochMs } from '../schema/common.js';
import type { RecordType } from '../schema/records.js';
import { iterateLines, sourceName } from '../stream/reader.js';
import { mergeByTime, reorder, UnsortedInputError, type Timed } from '../stream/merge.js';
import { EXIT, UsageError, intOption, runCommand, type CommandSpec } from './kit.js';
import { checkedExit } from './validate.js';

interface Opts {
  merge?: boolean;
  slack?: number;
  validate?: boolean;
}

export const spec: CommandSpec<Opts> = {
  name: 'ndcat',
  args: '[files...]',
  description: `Writes the records of FILES (or stdin; - is stdin) to stdout, after the run manifest.
By default the files are concatenated in the order given. With --merge the files, each
in time order, are merged into one stream ordered by (time, position of the file in the
argument list, line number): the same inputs always give the same output. The time of a
record is when it was received (recv_ts) if it says, else its ts: recorded streams are in
receipt order, and a replay should see records as the live run did. A run.manifest keeps
its place after whatever preceded it in its file (so leading manifests come first). A
file out of time order ends the run with exit 1 and names the offending line, unless
--slack allows it to run late by a few ms (the output of a live multi-stage pipeline:
each stage stamps its decisions with its own clock): within the slack, records are put
back in order in a bounded buffer.

Every line must be a JSON object with a string "type"; others are reported and counted
(with --validate, every record is checked against its schema as validate does, and, as
with validate, the exit status is 1 when any line was bad). With --merge, a record's ts
(and recv_ts, if it has one) must be integer epoch ms, not negative: a fractional or
negative time is a bad line (reason bad-ts), reported and left out.`,
  examples: [
    { cmd: 'ndcat --merge oddsapi.ndjson boltodds.ndjson kalshi.ndjson > session.ndjson', what: 'Merge three recorded feeds into one stream in receipt order.' },
    { cmd: 'ndcat --merge --slack 1000 experiment.ndjson control.ndjson kalshi.ndjson', what: 'Merge the outputs of live pipelines, whose stages may be a few ms out of order.' },
    { cmd: 'ndcat day1.ndjson day2.ndjson | calibrate', what: 'Concatenate two days of records.' },
    { cmd: 'ndcat --validate --reject bad.ndjson lines.ndjson > clean.ndjson', what: 'Keep only valid records; bad lines kept verbatim in bad.ndjson.' },
  ],
  output: 'ndjson',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('-m, --merge', 'merge files in time order (recv_ts, else ts) into one stream ordered by (time, file, line)');
    cmd.option('--slack <ms>', 'with --merge: a file may run late by up to MS (put back in order in a bounded buffer)', intOption(0), 0);
    cmd.option('--validate', 'check every record against its schema (default: JSON object with a type)');
  },
  async run(ctx) {
    const consume: ReadonlySet<RecordType> | 'all' = ctx.opts.validate ? 'all' : new Set<RecordType>();
    const files = ctx.args.length ? ctx.args : ['-'];
    // Checking (--validate) follows validate's rule: exit 1 when any line was bad.
    const done = (): number => (ctx.opts.validate ? checkedExit(ctx.decoder) : EXIT.OK);
    if (!ctx.opts.merge) {
      await ctx.readRecords(files, {
        consume,
        onRecord: (rec, where) => ctx.out.raw(where.raw, rec.type),
      });
      return done();
    }
    if (files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be merged once only');
    const decoder = ctx.makeDecoder(consume);
    const maxLineBytes = ctx.config.stream.max_line_bytes;
    const slack = ctx.opts.slack ?? 0;
    const sources = files.map((file, stream) => (slack > 0 ? reorder(timedRecords(file, stream), slack) : timedRecords(file, stream)));
    async function* timedRecords(file: string, stream: number): AsyncGenerator<Timed<{ raw: string; type: string }>> {
      const src = sourceName(file);
      let last = -1;
      for await (const { text, lineNo } of iterateLines(file, {
        signal: ctx.signal, maxLineBytes,
        onTooLong: (ex, bytes, s, n) => decoder.tooLong(ex, bytes, s, n),
      })) {
        const d = decoder.decode(text, src, lineNo);
        if (!d) continue;
        if (d.type === 'run.manifest') {
          // A manifest is a header, not an event: it stays just after what preceded it in
          // its file (leading manifests come first) and never counts as going back in time.
          yield { ts: last, stream, line: lineNo, item: { raw: text, type: d.type } };
          continue;
        }
        if (d.time === undefined) {
          decoder.bad(text, src, lineNo, 'no-ts', 'a merged record needs a numeric ts');
          continue;
        }
        // The merge key is a time: integer epoch ms, never negative (records.md), for ts
        // and for recv_ts when the record has one.
        const badTime = [d.time, d.ts].find((x) => x !== undefined && !epochMs.safeParse(x).success);
        if (badTime !== undefined) {
          decoder.bad(text, src, lineNo, 'bad-ts', `a merged record needs ts (and recv_ts, if given) as integer epoch ms >= 0, not ${badTime}`);
          continue;
        }
        last = d.time;
        yield { ts: d.time, stream, line: lineNo, item: { raw: text, type: d.type } };
      }
    }
    try {
      let n = 0;
      // Under --replay the clock starts at the first timed record, and our own manifest
      // (written before the first line) takes its time from it: leading headers wait for it.
      const held: Array<{ raw: string; type: string }> = [];
      const clock = ctx.replayClock;
      for await (const t of mergeByTime(sources.map((g) => g[Symbol.asyncIterator]()))) {
        if (t.item.type === 'run.manifest') { // a header has no time of its own
          if (clock && !clock.isAnchored) held.push(t.item);
          else ctx.out.raw(t.item.raw, t.item.type);
          continue;
        }
        clock?.advanceTo(t.ts);
        for (const h of held.splice(0)) ctx.out.raw(h.raw, h.type);
        ctx.out.raw(t.item.raw, t.item.type);
        if ((++n & 1023) === 0 && ctx.out.writer.backpressured) await ctx.out.writer.ready();
        if (ctx.signal.aborted) break;
      }
      for (const h of held) ctx.out.raw(h.raw, h.type);
    } catch (e) {
      if (e instanceof UnsortedInputError) {
        ctx.log.error(`input not in time order${slack ? ` within the ${slack} ms slack` : ''}; --merge needs each file in time order (recv_ts, else ts)`, {
          src: `${sourceName(files[e.stream]!)}:${e.line}`, record_time: e.ts, previous_time: e.prevTs,
        });
        return EXIT.RUNTIME;
      }
      throw e;
    }
    return done();
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
