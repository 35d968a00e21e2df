// quote --live reaction over loopback: an oracle.prob that moves through a resting quote,
// to the cancel confirmed. The Kalshi simulator runs in this process (the rig of
// test/helpers/live.ts: signed REST, private WebSocket, gate verdict), quote --live is a
// child, and this process writes every input record to quote's stdin itself: one
// kalshi.status, the HOME market, its link and one book (the simulator's own background
// book), then the oracle. No feed-kalshi: the path measured is quote's alone (stdin ->
// decision -> REST cancel -> user_order over the private WebSocket), with nothing else on
// its stdin and one process fewer on the machine's two CPUs; feed-kalshi's own latency is
// the kalshi group's.
//
// The book is 0.45 / 0.55 and the oracle alternates p_home 0.40 <-> 0.60 (edge 0.01,
// improve_ticks 0): at 0.40 the quotes rest at 0.38 / 0.55 (joining the ask), at 0.60 at
// 0.45 (joining the bid) / 0.62, so every move goes through one resting quote (the ask on
// the way up, the bid on the way down) and reprices the other. The book's two levels are
// 10,000 contracts deep: the manager takes every canceled quote of ours off the level it
// rested at for quote.keep_finished_ms (the echo race, src/core/quote-manager.ts finish /
// withoutOwn), so a 50-contract level joined and left ten times looks empty to it and its
// next quote crosses (post-only-cross rejects; see NOTES.md). Deep levels keep that out
// of a latency measurement. Per move, once both quotes of the previous move rest again:
//   (a) in this process's clock, from the oracle line written to quote's stdin to
//       - the simulator's engine canceling the quote moved through (the exchange acted),
//       - quote's order record `pending-cancel` for it read from its stdout (decided),
//       - quote's order record `canceled` read (the confirmation as quote saw it);
//     and, for scale, every order record's ts (quote's wall clock) to its reading here;
//   (b) quote's own records (its clock, integer ms): `latency` kind `cancel` (request ->
//       WebSocket confirmation, both cancels of each move) and `oracle-to-order` (the
//       oracle record's ts -> a replacement's place request, which waits for the cancel
//       of the quote it replaces to be confirmed).
// Figures only: no pass/fail on timing.
import { cpus, loadavg } from 'node:os';
import type { SimOrder } from '../../src/sim/kalshi/engine.js';
import { truth, type Rec } from '../helpers/kalshi.js';
import { EVENT, HOME, LivePipe, Rig, oracleRecord } from '../helpers/live.js';
import { cpuSeconds, type Bench, type BenchRow } from './lib.js';

type Side = 'bid' | 'ask';

const LOW = 0.4;
const HIGH = 0.6;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (a: bigint, b: bigint): number => Number(b - a) / 1e6;

interface Stats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
}
function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1] ?? NaN, n: s.length };
}
const f2 = (x: number): string => x.toFixed(2);

/** One move: which quote the oracle goes through, and when each step of its end was seen. */
interface Move {
  coid: string;
  /** The quotes resting before the move (both are replaced). */
  before: Record<Side, string>;
  written: bigint;
  engine?: bigint;
  pending?: bigint;
  confirmed?: bigint;
}

const oracleLine = (pHome: number): string => JSON.stringify(oracleRecord(pHome)) + '\n';

const bench: Bench = async (env) => {
  const warm = 20;
  const n = env.quick ? 200 : 300;
  // No background levels from the simulator's random walk: the book is set below. The
  // staleness switches are out of the way (one book, sent once) and so is the daily
  // notional (every move places two orders).
  const rig = await Rig.start({
    sim: { levels: 0 },
    quote: { oracle_stale_ms: 3_600_000, book_stale_ms: 3_600_000, max_daily_notional: 1_000_000 },
  });
  let p: LivePipe | undefined;
  try {
    const e = rig.sim.engine;
    e.setLiquidity(HOME, 'bid', 4500, 1_000_000);
    e.setLiquidity(HOME, 'ask', 5500, 1_000_000);
    const ours = (o: SimOrder): boolean => o.owner === rig.keys.keyId;

    let move: Move | undefined;
    e.listen({
      order: (o) => {
        if (move && move.engine === undefined && o.status === 'canceled' && ours(o) && o.clientOrderId === move.coid) move.engine = process.hrtime.bigint();
      },
    });

    p = new LivePipe(rig, [], { feed: false });
    const pipe = p;
    // quote's view, from its order records: the latest order per side and its status.
    const side: Record<Side, { coid: string; status: string } | undefined> = { bid: undefined, ask: undefined };
    const latencies: Array<{ kind: string; ms: number }> = [];
    let measuring = false;
    /** Each order record's ts (quote's wall clock) to its reading here (this one): the stdout hop. */
    const hop: number[] = [];
    let seen = 0;
    // LivePipe's listener was added first: the chunk's records are parsed by the time this runs.
    pipe.quote.stdout!.on('data', () => {
      const at = process.hrtime.bigint();
      for (; seen < pipe.records.length; seen++) {
        const r = pipe.records[seen]!;
        if (r.type === 'order' && r.ticker === HOME) {
          const coid = r.client_order_id as string;
          const s: Side = r.action === 'buy' ? 'bid' : 'ask';
          // A new order starts `submitted`; the next version of an amended one starts resting (reason amend).
          if (side[s]?.coid === coid || r.status === 'submitted' || r.reason === 'amend' || side[s] === undefined)
            side[s] = { coid, status: r.status as string };
          if (measuring) hop.push(Date.now() - (r.ts as number));
          if (move && coid === move.coid) {
            if (r.status === 'pending-cancel') move.pending ??= at;
            else if (r.status === 'canceled') move.confirmed ??= at;
          }
        } else if (r.type === 'latency' && measuring) latencies.push({ kind: r.kind as string, ms: r.ms as number });
      }
    });

    await pipe.waitForLog((l) => l.msg === 'live venue ready', 15_000, 'the live venue ready');
    const now = Date.now();
    const book = truth(e, HOME, 10);
    const setup: Rec[] = [
      { type: 'kalshi.status', ts: now, state: 'live', connects: 1, reconnects: 0, disconnects: 0, gaps: 0, last_msg_ts: now, tickers: {} },
      {
        type: 'kalshi.market',
        ts: now,
        ticker: HOME,
        event_ticker: 'KXNBAGAME-26JAN25DENMEM',
        series: 'KXNBAGAME',
        sport: 'nba',
        event: EVENT,
        team: 'mem',
        status: 'active',
        price_ranges: [{ start: 0, end: 1, step: 0.01 }],
        fee_type: 'quadratic_with_maker_fees',
      },
      { type: 'market.link', ts: now, event: EVENT, sport: 'nba', side: 'home', ticker: HOME },
      { type: 'kalshi.book', ts: now, ticker: HOME, seq: 1, ...book },
    ];
    pipe.send(...setup);
    pipe.write(oracleLine(LOW));

    const resting = (): boolean => side.bid?.status === 'resting' && side.ask?.status === 'resting';
    const inSim = (coid: string): boolean => e.byClientId(rig.keys.keyId, coid)?.status === 'resting';
    await pipe.until(() => resting() && inSim(side.bid!.coid) && inSim(side.ask!.coid), 15_000, 'both quotes resting');

    const engineMs: number[] = [];
    const pendingMs: number[] = [];
    const confirmedMs: number[] = [];
    const byDir: Record<Side, number[]> = { bid: [], ask: [] };
    let up = true;
    const t0 = Date.now();
    let cpu0 = NaN;
    let self0 = process.cpuUsage();
    for (let i = 0; i < warm + n; i++) {
      measuring = i >= warm;
      if (i === warm) {
        cpu0 = cpuSeconds(pipe.quote.pid!);
        self0 = process.cpuUsage();
      }
      // Moving up goes through the ask, down through the bid.
      const through: Side = up ? 'ask' : 'bid';
      const before = { bid: side.bid!.coid, ask: side.ask!.coid };
      // A pause of 5-25 ms between moves: not in step with any timer of quote's.
      await sleep(5 + Math.floor(Math.random() * 20));
      const line = oracleLine(up ? HIGH : LOW);
      move = { coid: before[through], before, written: process.hrtime.bigint() };
      pipe.write(line);
      const m = move;
      await pipe
        .until(
          () =>
            m.engine !== undefined &&
            m.confirmed !== undefined &&
            resting() &&
            side.bid!.coid !== m.before.bid &&
            side.ask!.coid !== m.before.ask &&
            inSim(side.bid!.coid) &&
            inSim(side.ask!.coid),
          10_000,
          `move ${i}: the quote moved through (${m.coid}) canceled and both quotes resting again`,
        )
        .catch((err: Error) => {
          const sim = rig.resting().map((o) => `${o.side} ${o.clientOrderId ?? ''} @${o.price}`);
          throw new Error(`${err.message}; quote's view ${JSON.stringify(side)}; resting in the simulator: ${sim.join(', ')}`);
        });
      move = undefined;
      if (measuring) {
        engineMs.push(ms(m.written, m.engine!));
        if (m.pending !== undefined) pendingMs.push(ms(m.written, m.pending));
        confirmedMs.push(ms(m.written, m.confirmed!));
        byDir[through].push(ms(m.written, m.engine!));
      }
      up = !up;
    }
    measuring = false;
    // CPU per move (quote's, and this process's: the simulator and the bench's reading).
    const quoteCpu = ((cpuSeconds(pipe.quote.pid!) - cpu0) * 1000) / n;
    const self = process.cpuUsage(self0);
    const selfCpu = (self.user + self.system) / 1000 / n;
    const seconds = (Date.now() - t0) / 1000;
    const load = loadavg();
    const stop = await pipe.stop('SIGTERM');
    if (stop.code !== 0) throw new Error(`quote --live exited ${String(stop.code)}: ${JSON.stringify(pipe.logs.filter((l) => l.level !== 30).slice(-4))}`);

    const a = stats(engineMs);
    const d = stats(pendingMs);
    const c = stats(confirmedMs);
    const cancel = stats(latencies.filter((l) => l.kind === 'cancel').map((l) => l.ms));
    const o2o = stats(latencies.filter((l) => l.kind === 'oracle-to-order').map((l) => l.ms));
    const h = stats(hop);
    const down = stats(byDir.bid);
    const upS = stats(byDir.ask);
    const tail = (s: Stats): string => `p90 ${f2(s.p90)} ms, max ${f2(s.max)} ms, n ${s.n}`;
    const rows: BenchRow[] = [
      {
        group: 'live',
        name: `oracle line in -> sim engine cancels the quote moved through, p50 (${a.n} moves)`,
        value: a.p50,
        unit: 'ms',
        note: `load average ${load.map((x) => x.toFixed(1)).join(' / ')} on ${cpus().length} CPUs; ${warm + n} moves in ${seconds.toFixed(1)} s`,
      },
      {
        group: 'live',
        name: 'oracle line in -> sim engine cancels the quote moved through, p99',
        value: a.p99,
        unit: 'ms',
        note: `${tail(a)}; p50 through the bid (down) ${f2(down.p50)} / the ask (up) ${f2(upS.p50)} ms`,
      },
      { group: 'live', name: "  the same to quote's pending-cancel record read, p50", value: d.p50, unit: 'ms', note: `p99 ${f2(d.p99)} ms, ${tail(d)}` },
      { group: 'live', name: "oracle line in -> quote's canceled record read (WS confirmation), p50", value: c.p50, unit: 'ms' },
      { group: 'live', name: "oracle line in -> quote's canceled record read (WS confirmation), p99", value: c.p99, unit: 'ms', note: tail(c) },
      {
        group: 'live',
        name: "  quote's order records: their ts -> read here (wall clocks), p50",
        value: h.p50,
        unit: 'ms',
        note: `p99 ${h.p99} ms, max ${h.max} ms, n ${h.n} (integer ms: the stdout hop and the scheduling of both processes)`,
      },
      {
        group: 'live',
        name: "quote's latency kind cancel (request -> WS confirmation), p50",
        value: cancel.p50,
        unit: 'ms',
        note: "integer ms, quote's clock; both cancels of each move",
      },
      { group: 'live', name: "quote's latency kind cancel, p99", value: cancel.p99, unit: 'ms', note: tail(cancel) },
      {
        group: 'live',
        name: "quote's latency kind oracle-to-order, p50",
        value: o2o.p50,
        unit: 'ms',
        note: 'the replacements: each waits for the confirmed cancel of the quote it replaces',
      },
      { group: 'live', name: "quote's latency kind oracle-to-order, p99", value: o2o.p99, unit: 'ms', note: tail(o2o) },
      {
        group: 'live',
        name: "quote's CPU per move (an oracle line, the protective cancel, the other side's reprice, the replacement, their answers)",
        value: quoteCpu,
        unit: 'ms',
        note: `this process (simulator and bench) ${f2(selfCpu)} ms per move; from /proc in 10 ms ticks over ${n} moves`,
      },
    ];
    return rows;
  } finally {
    p?.kill();
    await rig.stop();
  }
};

export default bench;
