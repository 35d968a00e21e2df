// ledger: locked, append-only CSV ledgers. `append` commits records of one type as CSV
// rows (lock, one write, fsync per batch) and passes every record on once committed;
// `rollup` merges per-process ledgers deterministically; `verify` checks a ledger and,
// with --repair, moves a torn final row aside. The file logic lives in src/ledger.
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Option } from 'commander';
import { fieldsOf, isRecordType, RECORD_TYPES, validateRecord, type RecordType } from '../schema/index.js';
import { CellError, rowOf, stringifyRows } from '../ledger/csv.js';
import { HeaderMismatchError, LedgerDamagedError, LedgerWriter } from '../ledger/append.js';
import { canonicalPath, LedgerWriteError, perProcessPath } from '../ledger/file.js';
import { LedgerLock, LockError } from '../ledger/lock.js';
import { readLedger, repairTail, type Problem } from '../ledger/read.js';
import { rollup, RollupHeaderError } from '../ledger/rollup.js';
import type { Plain } from '../config/load.js';
import { EXIT, intOption, listOption, runCommand, UsageError, type CommandSpec, type Ctx, type Where } from './kit.js';

/** Types that describe the run rather than its data: never chosen as the ledger's type. */
const NOT_CHOSEN = new Set(['run.manifest', 'metric']);

// ---------------------------------------------------------------- append

interface AppendOpts {
  columns?: string[];
  type?: RecordType;
  perProcess?: boolean;
  batchRows?: number;
  lockStaleMs?: number;
}

interface Pending {
  raw: string;
  type: string;
  row: string[] | undefined;
}

const append: CommandSpec<AppendOpts> = {
  name: 'append',
  args: '<file>',
  summary: 'append records of one type to a locked CSV ledger, passing every record on once committed',
  description: `Reads records from stdin and appends those of ONE type to the CSV ledger FILE, one row
per record: the type given by --type, else the type of the first record that is not a
run.manifest or metric (logged). Records of other types get no row; they pass through
and are counted in the exit summary as not_ledgered_by_type.

Columns are --columns, else the fields of the type's schema in their declared order.
Cells: strings as they are, numbers as JSON numbers, booleans true/false, an absent or
null field empty, arrays and objects as JSON; csv-stringify quotes a cell holding a
comma, quote or line break. Fields of a record outside the columns are not in its row
(logged once); the record itself passes through whole.

Each input chunk is committed in batches of at most ledger.batch_rows rows (--batch-rows).
Per batch: create FILE if missing (born with its header: exactly one header ever), take
the lock FILE.lock (proper-lockfile; waiters retry with backoff for up to
ledger.lock_wait_ms; a lock whose holder stopped refreshing it for ledger.lock_stale_ms
is taken over), check that the header is this run's columns (exit 2 naming both if
not), move a torn final row left by a killed writer to FILE.torn (with a warning),
write every row of the batch in one write, fsync, release. Only then are the batch's
records written to stdout, in input order with the records passed through: stdout is
the list of committed records. A lock found compromised stops the run with exit 1;
nothing is ever written without the lock.

Only a torn row is moved aside (see ledger verify for exactly what that is). Anything
else at the end of FILE (a stray quote whose quoted field swallows whole rows after
it, bytes that are not UTF-8, a UTF-16 file) stops the run with exit 1 naming
FILE:LINE; FILE is left untouched and nothing is written (run ledger verify).

If a write or its fsync fails (a full disk, an I/O error), FILE is truncated back to
where the failed batch began, so it holds exactly the rows whose records are on
stdout; the run stops with exit 1 and one error naming the cause. None of that batch
is passed on, so feeding the records that are not on stdout again duplicates nothing.
If the truncation fails too, the error names the bytes left and the truncate command
that removes them.

A record with a cell that cannot be written (a value nested too deeply for JSON) is
rejected like a bad input line (reason unserialisable: diagnostic, count, --reject,
not passed on); the rest of its batch is ledgered.

With --per-process the ledger is FILE.<host>.<pid>.csv, this process's own: no lock,
same header, batch and fsync rules. Merge such files with ledger rollup.`,
  examples: [
    {
      cmd: 'feed-kalshi --series KXNBAGAME,KXNHLGAME --private | ledger append fills.csv --type kalshi.fill > session.ndjson',
      what: 'Ledger our own Kalshi fills as they come; every record reaches session.ndjson once its row is on disk.',
    },
    {
      cmd: 'ledger append orders.csv --type order --columns ts,client_order_id,status,price,count < run.ndjson > /dev/null',
      what: 'Ledger five columns of each order record.',
    },
    {
      cmd: 'ledger append fills.csv --per-process < part3.ndjson',
      what: 'Write fills.<host>.<pid>.csv without a lock (one file per writer); merge later with ledger rollup.',
    },
  ],
  output: 'ndjson',
  input: true,
  options(cmd) {
    cmd.option('--columns <a,b,c>', "columns, in order (default: the fields of the type's schema)", listOption);
    cmd.addOption(
      new Option('--type <type>', "the record type to ledger (default: the first record's type, run.manifest and metric aside)").choices(RECORD_TYPES),
    );
    cmd.option('--per-process', 'write FILE.<host>.<pid>.csv, no lock (merge with ledger rollup)');
    cmd.option('--batch-rows <n>', 'most rows per lock + write + fsync (config ledger.batch_rows, default 1000)', intOption(1, 100_000));
    cmd.option('--lock-stale-ms <ms>', 'a lock not refreshed this long is taken over (config ledger.lock_stale_ms, default 5000)', intOption(2000, 600_000));
  },
  overrides(o) {
    const ledger: Plain = {};
    if (o.batchRows !== undefined) ledger.batch_rows = o.batchRows;
    if (o.lockStaleMs !== undefined) ledger.lock_stale_ms = o.lockStaleMs;
    return Object.keys(ledger).length ? { ledger } : {};
  },
  async run(ctx) {
    const file = ctx.args[0]!;
    const cfg = ctx.config.ledger;
    const opts = ctx.opts;
    const given = opts.columns;
    if (given) checkColumns(given);
    const path = opts.perProcess ? perProcessPath(file) : file;
    if (!existsSync(dirname(path))) throw new UsageError(`${dirname(path)}: no such directory for the ledger`);
    let type: RecordType | undefined = opts.type;
    let columns: string[] | undefined;
    let columnSet: Set<string> = new Set();
    let writer: LedgerWriter | undefined;
    const extra = new Set<string>();
    const notLedgered: Record<string, number> = {};
    const rowsCounter = ctx.metrics.counter('ledger_rows_total', { file: basename(path) });
    // The decoder validates consumed types; the set grows when the type is chosen from data.
    const consume = new Set<RecordType>();
    let pending: Pending[] = [];

    const choose = (t: RecordType, why: string): void => {
      type = t;
      consume.add(t);
      const fields = fieldsOf(t);
      columns = given ?? fields;
      columnSet = new Set(columns);
      const unknown = columns.filter((c) => !fields.includes(c));
      if (unknown.length)
        ctx.log.warn('columns that are not fields of the type: their cells stay empty unless records carry them', { type: t, columns: unknown });
      writer = new LedgerWriter({
        file: path,
        columns,
        lock: opts.perProcess ? undefined : { staleMs: cfg.lock_stale_ms, waitMs: cfg.lock_wait_ms },
        onTorn: (e) =>
          ctx.log.warn('torn final row moved aside: a writer was killed in mid-write', {
            file: e.file,
            offset: e.offset,
            bytes: e.bytes,
            torn_file: e.tornFile,
          }),
      });
      ctx.log.info('ledgering', { type: t, chosen_by: why, file: path, columns, lock: !opts.perProcess });
    };
    if (type) choose(type, '--type');

    const ledgered = (rec: Record<string, unknown>, where: Where): void => {
      let row: string[];
      try {
        row = rowOf(rec, columns!);
      } catch (e) {
        // One record that cannot be written (nested too deeply for JSON) costs only itself.
        if (!(e instanceof CellError)) throw e;
        ctx.reject(where, 'unserialisable', e.message);
        return;
      }
      for (const k of Object.keys(rec)) {
        if (!columnSet.has(k) && !extra.has(k)) {
          if (extra.size === 0)
            ctx.log.info('record fields outside the columns are not in the rows (the records pass through whole)', {
              fields: Object.keys(rec).filter((f) => !columnSet.has(f)),
            });
          extra.add(k);
        }
      }
      pending.push({ raw: where.raw, type: type!, row });
    };

    const commit = async (items: Pending[], rows: string[][]): Promise<void> => {
      if (rows.length) {
        await writer!.commit(stringifyRows(rows), rows.length);
        rowsCounter.inc(rows.length);
      }
      for (const it of items) ctx.out.passThrough(it.raw, it.type);
    };
    const flush = async (): Promise<void> => {
      const items = pending;
      pending = [];
      let start = 0;
      let rows: string[][] = [];
      for (let i = 0; i < items.length; i++) {
        const row = items[i]!.row;
        if (!row) continue;
        rows.push(row);
        if (rows.length === cfg.batch_rows) {
          await commit(items.slice(start, i + 1), rows);
          start = i + 1;
          rows = [];
        }
      }
      if (start < items.length) await commit(items.slice(start), rows);
      if (ctx.out.writer.backpressured) await ctx.out.writer.ready();
    };

    try {
      await ctx.readRecords(['-'], {
        consume,
        onRecord(rec, where) {
          ledgered(rec as Record<string, unknown>, where);
        },
        onOther(d, where) {
          if (type === undefined && !NOT_CHOSEN.has(d.type)) {
            if (!isRecordType(d.type)) throw new UsageError(`the first record's type "${d.type}" has no schema to take columns from: give --type`);
            choose(d.type, 'first record');
          }
          if (d.type === type) {
            // Arrived before the decoder knew to validate it (the record that chose the type).
            const v = validateRecord(JSON.parse(d.raw));
            if (v.ok) ledgered(v.record as Record<string, unknown>, where);
            else ctx.reject(where, v.reason, `${d.type}: ${v.detail}`);
            return;
          }
          notLedgered[d.type] = (notLedgered[d.type] ?? 0) + 1;
          pending.push({ raw: d.raw, type: d.type, row: undefined });
        },
        onChunkEnd: flush,
      });
      await flush();
    } catch (e) {
      if (e instanceof HeaderMismatchError) throw new UsageError(e.message);
      if (e instanceof LockError || e instanceof LedgerDamagedError) {
        ctx.log.error(e.message, { file: writer?.file ?? path, reason: e instanceof LockError ? 'lock' : 'damaged' });
        return EXIT.RUNTIME;
      }
      if (e instanceof LedgerWriteError) {
        ctx.log.error(e.message, { file: writer?.file ?? path, reason: 'write', ...(e.code ? { code: e.code } : {}) });
        return EXIT.RUNTIME;
      }
      throw e;
    } finally {
      Object.assign(ctx.summary, {
        ledger: writer?.file ?? path,
        ...(type ? { ledger_type: type } : {}),
        rows: writer?.rows ?? 0,
        batches: writer?.batches ?? 0,
        not_ledgered_by_type: notLedgered,
        ...(extra.size ? { fields_not_in_columns: [...extra] } : {}),
        ...(writer?.tornBytes ? { torn_bytes_moved: writer.tornBytes } : {}),
        ...(writer?.lockStats
          ? {
              lock_wait_ms: writer.lockStats.waitedMs,
              lock_wait_max_ms: writer.lockStats.maxWaitMs,
              lock_held_ms: writer.lockStats.heldMs,
              lock_held_max_ms: writer.lockStats.maxHeldMs,
              stale_locks_taken_over: writer.lockStats.takenOver,
            }
          : {}),
      });
    }
    if (!type) ctx.log.warn('no record to ledger: nothing was written', { file: path });
    return EXIT.OK;
  },
};

function checkColumns(cols: string[]): void {
  if (cols.length === 0) throw new UsageError('--columns needs at least one column');
  const dup = cols.find((c, i) => cols.indexOf(c) !== i);
  if (dup !== undefined) throw new UsageError(`--columns names "${dup}" twice`);
}

// ---------------------------------------------------------------- rollup

const rollupSpec: CommandSpec = {
  name: 'rollup',
  args: '<files...>',
  summary: 'merge per-process ledgers into one CSV on stdout, ordered by (ts, file, row)',
  description: `Merges ledgers (typically the FILE.<host>.<pid>.csv files of append --per-process) into
one CSV on stdout: one header, then every row ordered by the numeric ts column, then the
source file's name as given, then the row's place in its file. The same files in any
order give the same bytes. Every input must have the same header and a ts column, else
exit 2 naming the two headers.

A torn final row in an input (its writer was killed in mid-write, so never committed
it) is reported and left out. Any other problem (a row that does not parse, a wrong
column count, a repeated header, a ts that is not a number) is reported as file:line;
good rows are still written, a row without a numeric ts after all timed rows, and the
exit status is 1. The run manifest and the summary go to stderr.`,
  examples: [
    { cmd: 'ledger rollup fills.*.csv > fills.csv', what: 'Merge the per-process fill ledgers of a run into one.' },
    { cmd: 'ledger rollup fills.*.csv > day.csv && ledger verify day.csv', what: 'Merge, then check the merged ledger.' },
  ],
  output: 'text',
  async run(ctx) {
    const files = ctx.args;
    const dup = files.find((f, i) => files.indexOf(f) !== i);
    if (dup !== undefined) throw new UsageError(`${dup} is given twice`);
    for (const f of files) if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
    let r;
    try {
      r = await rollup(files);
    } catch (e) {
      if (e instanceof RollupHeaderError) throw new UsageError(e.message);
      throw e;
    }
    let bad = 0;
    let torn = 0;
    for (const p of r.problems) {
      if (p.kind === 'torn') {
        torn++;
        ctx.log.warn('torn final row left out (never committed by its writer)', { src: `${p.file}:${p.line}`, reason: p.reason });
      } else {
        bad++;
        ctx.log.limited('warn', `rollup:${p.kind}`, 'ledger problem', { src: `${p.file}:${p.line}`, reason: p.reason }, 100);
      }
    }
    ctx.text.writeLine(stringifyRows([r.header]).slice(0, -1));
    let n = 0;
    for (const row of r.rows) {
      ctx.text.writeLine(stringifyRows([row.fields]).slice(0, -1));
      if ((++n & 1023) === 0) {
        if (ctx.text.backpressured) await ctx.text.ready();
        if (ctx.signal.aborted) break;
      }
    }
    Object.assign(ctx.summary, { inputs: files.length, rows: n, torn_left_out: torn, problems: bad });
    return bad ? EXIT.RUNTIME : EXIT.OK;
  },
};

// ---------------------------------------------------------------- verify

interface VerifyOpts {
  repair?: boolean;
  columns?: string[];
  type?: RecordType;
}

const verify: CommandSpec<VerifyOpts> = {
  name: 'verify',
  args: '<files...>',
  summary: "check ledgers: one header, every row whole and of the header's width; --repair moves a torn tail aside",
  description: `Checks each ledger FILE: exactly one header, on the first line; every row parses
(csv-parse) and has the header's column count; the header is not repeated later; the
last row is whole (a writer killed in mid-write leaves a torn final row). With --columns
or --type the header must also be exactly those columns. Each problem is printed on
stdout as FILE:LINE: reason, then one line per file (ok, or the count of problems).
Exit 0 when every file is clean, else 1.

With --repair a torn final row is appended, verbatim and followed by a newline, to
FILE.torn and the file is truncated before it: nothing is lost, and the ledger then
verifies. A torn row is what a writer killed inside its one write leaves: the
unfinished record after the last newline outside quotes, where it does not end in a
newline, is UTF-8 (a character cut short at the very end aside), holds no line after
its first that is on its own a whole row of the header's width, and, its open quote
closed, parses as one row no wider than the header. Anything else is damage, reported
as FILE:LINE and never "repaired": a stray quote in a middle row (quote parity reads
the whole rows after it as one quoted field running to the end of the file), an
unfinished end that ends in a newline or is too wide, bytes that are not UTF-8, a
UTF-16 file, a file without a header. A torn row that cannot be told from damage (its
quoted cell holds lines that read as rows) is reported, not moved: look at it and cut
it by hand (truncate -s BYTE FILE, BYTE as reported). verify takes the ledger's lock
while it reads (so it never mistakes a write in progress for a torn row); without
--repair, a ledger in a directory it cannot write is read without the lock.`,
  examples: [
    { cmd: 'ledger verify fills.csv', what: 'Check a ledger; exit 1 and FILE:LINE lines if anything is wrong.' },
    { cmd: 'ledger verify --repair fills.csv', what: 'After a crash: move a torn final row to fills.csv.torn, then check.' },
    { cmd: 'ledger verify --type fill fills.*.csv', what: 'Check that per-process ledgers are whole and carry the fill columns.' },
  ],
  output: 'text',
  options(cmd) {
    cmd.option('--repair', 'move a torn final row to FILE.torn and truncate (nothing else is changed)');
    cmd.option('--columns <a,b,c>', 'the header must be exactly these columns', listOption);
    cmd.addOption(new Option('--type <type>', 'the header must be the fields of this record type').choices(RECORD_TYPES));
  },
  async run(ctx) {
    const { repair, columns, type } = ctx.opts;
    if (columns && type) throw new UsageError('give --columns or --type, not both');
    if (columns) checkColumns(columns);
    const expect = columns ?? (type ? fieldsOf(type) : undefined);
    for (const f of ctx.args) if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
    let dirty = 0;
    let repaired = 0;
    let rows = 0;
    for (const file of ctx.args) {
      const r = await verifyOne(ctx, file, expect, repair === true);
      rows += r.rows;
      repaired += r.repaired;
      if (r.problems) dirty++;
      if (ctx.signal.aborted) break;
    }
    Object.assign(ctx.summary, { files: ctx.args.length, files_with_problems: dirty, rows, repaired });
    return dirty ? EXIT.RUNTIME : EXIT.OK;
  },
};

async function verifyOne(
  ctx: Ctx<VerifyOpts>,
  file: string,
  expect: readonly string[] | undefined,
  repair: boolean,
): Promise<{ rows: number; problems: number; repaired: number }> {
  const cfg = ctx.config.ledger;
  const path = canonicalPath(file);
  let lock: LedgerLock | undefined = new LedgerLock(path, { staleMs: cfg.lock_stale_ms, waitMs: cfg.lock_wait_ms });
  try {
    await lock.acquire();
  } catch (e) {
    const cause = e instanceof Error ? e.message : String(e);
    if (repair || !(e instanceof LockError) || e.code !== 'ELOCK' || !/EACCES|EROFS|EPERM/.test(cause)) throw e;
    ctx.log.warn('cannot create the lock beside the ledger (read-only?): reading without it', { file, err: cause });
    lock = undefined;
  }
  const { problems, rows, repaired } = await (async () => {
    try {
      const c = await readLedger(path, expect ? { expect } : {});
      if (!(repair && c.tail?.torn)) return { problems: c.problems, rows: c.rows, repaired: 0 };
      let done;
      try {
        done = await repairTail(path, c, lock);
      } catch (e) {
        if (!(e instanceof LedgerWriteError)) throw e;
        // No room for FILE.torn, say: the torn row stays, reported; the next file is checked.
        ctx.log.error(e.message, { file, reason: 'write', ...(e.code ? { code: e.code } : {}) });
        return { problems: c.problems, rows: c.rows, repaired: 0 };
      }
      ctx.text.writeLine(`${file}:${c.tail.line}: torn final row (${done.bytes} bytes) moved to ${done.tornFile}`);
      ctx.log.warn('torn final row moved aside', { src: `${file}:${c.tail.line}`, bytes: done.bytes, torn_file: done.tornFile });
      return { problems: c.problems.filter((p: Problem) => p.kind !== 'torn'), rows: c.rows, repaired: 1 };
    } finally {
      await lock?.unlock();
    }
  })();
  for (const p of problems) ctx.text.writeLine(`${file}:${p.line}: ${p.reason}`);
  ctx.text.writeLine(
    problems.length
      ? `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; ${rows} good row${rows === 1 ? '' : 's'}`
      : `${file}: ok: 1 header, ${rows} rows`,
  );
  return { rows, problems: problems.length, repaired };
}

// ---------------------------------------------------------------- the command

export const spec: CommandSpec = {
  name: 'ledger',
  description: `Locked, append-only CSV ledgers (fills, orders, any record type): many processes may
append to one ledger at once; every row is whole, the header is written exactly once,
and a row is on disk (fsynced) before its record is passed on. ledger append writes,
ledger verify checks and repairs a torn tail, ledger rollup merges per-process files.`,
  examples: [
    {
      cmd: 'devig --method shin < lines.ndjson | ledger append fair.csv --type oracle.prob > committed.ndjson',
      what: 'Ledger every fair probability; committed.ndjson lists every record once its row is on disk.',
    },
    { cmd: 'ledger verify --repair fills.csv', what: 'After a crash: move a torn final row to fills.csv.torn, then check the ledger.' },
    { cmd: 'ledger rollup fills.*.csv > fills.csv', what: 'Merge per-process ledgers (append --per-process) into one.' },
  ],
  output: 'text',
  sections: {
    Files: `FILE.lock: the lock directory (proper-lockfile), present while a writer holds the lock.
FILE.torn: torn final rows moved aside by append or verify --repair, each verbatim and
followed by a newline. FILE.<host>.<pid>.csv: a per-process ledger (append --per-process).`,
  },
  subcommands: [append, rollupSpec, verify],
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
