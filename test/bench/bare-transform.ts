// The floor for a one-record-in stage, run by oracle.bench as its own process over the
// same file and pipe as the commands: read 1 MiB chunks, split lines, JSON.parse, build a
// record literal, JSON.stringify, write 64 KiB batches. No validation, counting, clock,
// diagnostics or backpressure handling: what a command costs beyond this is the price of
// those. Not a command; a bench instrument only.
//
//   bare-transform FILE          one oracle.line out per line in (the shape of arbitrate)
//   bare-transform FILE devig    the line passed through, then an oracle.prob built from it
//                                (proportional), as devig does: two lines out per line in
//
// The per-line work is in functions, not in the top-level loop, so that V8 optimizes it
// as it does a command's handlers.
import { createReadStream, writeSync } from 'node:fs';

const file = process.argv[2];
const devig = process.argv[3] === 'devig';
if (!file) throw new Error('usage: bare-transform FILE [devig]');

let batch: string[] = [];
let batchLen = 0;
function flush(): void {
  if (batchLen === 0) return;
  writeSync(1, batch.join('\n') + '\n');
  batch = [];
  batchLen = 0;
}
function push(s: string): void {
  batch.push(s);
  batchLen += s.length + 1;
  if (batchLen >= 65536) flush();
}

type Rec = Record<string, unknown>;

function oracleLine(r: Rec): string {
  return JSON.stringify({
    type: 'oracle.line',
    ts: r.recv_ts,
    source: r.source,
    sport: r.sport,
    event: r.event,
    home: r.home,
    away: r.away,
    commence_ts: r.commence_ts,
    policy: 'primary-fallback:pinnacle>draftkings',
    books: [r.book],
    weights: undefined,
    line_ts: r.ts,
    home_odds: r.home_odds,
    away_odds: r.away_odds,
  });
}

function oracleProb(r: Rec): string {
  const ih = 1 / (r.home_odds as number);
  const ia = 1 / (r.away_odds as number);
  const sum = ih + ia;
  return JSON.stringify({
    type: 'oracle.prob',
    ts: r.ts,
    source: r.source,
    sport: r.sport,
    event: r.event,
    home: r.home,
    away: r.away,
    commence_ts: r.commence_ts,
    policy: undefined,
    books: [r.book],
    weights: undefined,
    line_ts: undefined,
    method: 'proportional',
    p_home: ih / sum,
    p_away: ia / sum,
    overround: sum - 1,
    param: undefined,
  });
}

function line(text: string): void {
  const r = JSON.parse(text) as Rec;
  if (devig) {
    push(text);
    push(oracleProb(r));
  } else {
    push(oracleLine(r));
  }
}

/** Every whole line of the chunk; returns the unterminated rest. */
function chunkLines(chunk: Buffer, carry: string): string {
  let pos = 0;
  for (;;) {
    const nl = chunk.indexOf(10, pos);
    if (nl < 0) return carry + chunk.toString('utf8', pos);
    let text = chunk.toString('utf8', pos, nl);
    if (carry) {
      text = carry + text;
      carry = '';
    }
    pos = nl + 1;
    line(text);
  }
}

let carry = '';
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) carry = chunkLines(chunk, carry);
if (carry) line(carry);
flush();
