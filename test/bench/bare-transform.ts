// The floor for a one-record-in, one-record-out stage, run by oracle.bench as its own
// process over the same file and pipe as the commands: read 1 MiB chunks, split lines,
// JSON.parse, build an oracle.line literal, JSON.stringify, write 64 KiB batches. No
// validation, counting, clock, diagnostics or backpressure handling: what a command
// costs beyond this is the price of those. Not a command; a bench instrument only.
import { createReadStream, writeSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: bare-transform FILE');
let batch: string[] = [];
let batchLen = 0;
const flush = (): void => {
  if (batchLen === 0) return;
  writeSync(1, batch.join('\n') + '\n');
  batch = [];
  batchLen = 0;
};
let carry = '';
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
  let pos = 0;
  for (;;) {
    const nl = chunk.indexOf(10, pos);
    if (nl < 0) {
      carry += chunk.toString('utf8', pos);
      break;
    }
    let text = chunk.toString('utf8', pos, nl);
    if (carry) {
      text = carry + text;
      carry = '';
    }
    pos = nl + 1;
    const r = JSON.parse(text) as Record<string, unknown>;
    const s = JSON.stringify({
      type: 'oracle.line', ts: r.recv_ts, source: r.source, sport: r.sport, event: r.event, home: r.home, away: r.away,
      commence_ts: r.commence_ts, policy: 'primary-fallback:pinnacle>draftkings', books: [r.book], weights: undefined,
      line_ts: r.ts, home_odds: r.home_odds, away_odds: r.away_odds,
    });
    batch.push(s);
    batchLen += s.length + 1;
    if (batchLen >= 65536) flush();
  }
}
flush();
