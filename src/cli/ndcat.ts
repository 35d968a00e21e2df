// ndcat: concatenate record files in order, or merge them by time. Lines pass through
// verbatim; lines that are not records are reported and counted (with --validate, lines
// that fail their schema too). --merge is the replay merge: stable by (ts, file, line),
// and an input that goes back in time stops the run with its source:line.
import type { RecordType } from '../schema/records.js';
import { UnsortedInputError } from '../stream/inputs.js';
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
back in order in a bounded buffer. This merge is the one every command uses to replay several
inputs (the kit's time order): what ndcat --merge writes is the order they see. FILES may
be named pipes.

Every line must be a JSON object with a string "type"; others are reported and counted
(with --validate, every record is checked against its schema as validate does, and, as
with validate, the exit status is 1 when any line was bad). With --merge, a record's ts
(and recv_ts, if it has one) must be integer epoch ms, not negative: a fractional or
negative time is a bad line (reason bad-ts), reported and left out.`,
  examples: [
    {
      cmd: 'ndcat --merge oddsapi.ndjson boltodds.ndjson kalshi.ndjson > session.ndjson',
      what: 'Merge three recorded feeds into one stream in receipt order.',
    },
    {
      cmd: 'ndcat --merge --slack 1000 experiment.ndjson control.ndjson kalshi.ndjson',
      what: 'Merge the outputs of live pipelines, whose stages may be a few ms out of order.',
    },
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
    if (ctx.opts.merge && files.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be merged once only');
    const slack = ctx.opts.slack ?? 0;
    try {
      // The kit's reader does the merge (src/stream/inputs.ts, order 'time'): every
      // command that replays several inputs merges them exactly as ndcat does.
      await ctx.readRecords(
        files,
        {
          consume,
          onRecord: (rec, where) => ctx.out.passThrough(where.raw, rec.type),
        },
        ctx.opts.merge ? { order: 'time', slackMs: slack } : { order: 'concat' },
      );
    } catch (e) {
      if (e instanceof UnsortedInputError) {
        ctx.log.error(`input not in time order${slack ? ` within the ${slack} ms slack` : ''}; --merge needs each file in time order (recv_ts, else ts)`, {
          src: `${e.source}:${e.line}`,
          record_time: e.ts,
          previous_time: e.prevTs,
        });
        return EXIT.RUNTIME;
      }
      throw e;
    }
    // Checking (--validate) follows validate's rule: exit 1 when any line was bad.
    return ctx.opts.validate ? checkedExit(ctx.decoder) : EXIT.OK;
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
