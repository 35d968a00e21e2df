// validate: every record checked against the schema its type names. Valid records pass
// through unchanged (so it can gate a pipeline); each bad line gets a diagnostic; the
// summary counts records by type and bad lines by reason; exit 1 if any line was bad.
import type { Decoder } from '../stream/decoder.js';
import { EXIT, runCommand, type CommandSpec } from './kit.js';

/**
 * The one rule of a checking run (validate, ndcat --validate): the valid records pass,
 * and the exit status is 1 when any line was bad, 0 when none was.
 */
export function checkedExit(decoder: Decoder | undefined): number {
  return (decoder?.rejectedTotal ?? 0) > 0 ? EXIT.RUNTIME : EXIT.OK;
}

interface Opts {
  quiet?: boolean;
}

export const spec: CommandSpec<Opts> = {
  name: 'validate',
  args: '[files...]',
  description: `Reads records from FILES (or stdin; - is stdin) and validates each one against the
schema of its type (see chimera(7)). Valid records are written to stdout unchanged, after
the run manifest; every bad line is reported on stderr as source:line, reason and an
excerpt, and counted. The exit summary on stderr counts records by type and bad lines by
reason. Unlike other commands, validate lists every bad line (no throttling).`,
  examples: [
    { cmd: 'validate recorded.ndjson > /dev/null', what: 'Check a recorded file; exit status 1 if any line is bad.' },
    { cmd: 'feed-oddsapi --once | validate --strict | devig', what: 'Gate a pipeline: stop at the first bad record.' },
    {
      cmd: 'validate --quiet --reject bad.ndjson day1.ndjson day2.ndjson',
      what: 'Check two files, keep the bad lines verbatim in bad.ndjson, write no records.',
    },
  ],
  output: (opts) => (opts.quiet ? 'none' : 'ndjson'),
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('-q, --quiet', 'write no records to stdout: only diagnostics, summary and exit status');
  },
  overrides() {
    // validate's job is to list every bad line: no diagnostics throttling.
    return { stream: { diagnostics_burst: Number.MAX_SAFE_INTEGER } };
  },
  async run(ctx) {
    const quiet = ctx.opts.quiet === true;
    await ctx.readRecords(ctx.args, {
      consume: 'all',
      onRecord(_rec, where) {
        if (!quiet) ctx.out.passThrough(where.raw, _rec.type);
      },
    });
    return checkedExit(ctx.decoder);
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
