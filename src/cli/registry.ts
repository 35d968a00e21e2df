// Every command: its name (the bin entry and `chimera <name>`), a one-line summary
// (chimera --help, the man page NAME line), and how to load it. Adding a command means
// a line here, a bin/ shim, a package.json bin entry, a man page (make man), a README
// section and a test; test/cli/commands.test.ts checks they all exist.
export const COMMANDS = {
  validate: {
    summary: 'check every record of a stream against its schema; count by type, list bad lines',
    load: () => import('./validate.js'),
  },
  ndcat: {
    summary: 'concatenate record files in order, or merge them by time (--merge), with diagnostics',
    load: () => import('./ndcat.js'),
  },
  // commands of later issues are added below this line
  'import-history': {
    summary: 'turn a CSV of historical moneylines and scores into odds.line and result records',
    load: () => import('./import-history.js'),
  },
  calibrate: {
    summary: 'score fair probabilities against results: Brier, log loss, reliability, ECE; Kelly sign-off',
    load: () => import('./calibrate.js'),
  },
  ledger: {
    summary: 'locked, append-only CSV ledgers: append records, verify, roll up per-process files',
    load: () => import('./ledger.js'),
  },
  'feed-boltodds': {
    summary: 'BoltOdds WebSocket moneylines as odds.line records: fresh full pairs only, reconnects, raw record/replay',
    load: () => import('./feed-boltodds.js'),
  },
  'feed-oddsapi': {
    summary: 'The Odds API moneylines as odds.line records: adaptive polling within a credit budget, explicit failures',
    load: () => import('./feed-oddsapi.js'),
  },
  sim: {
    summary: 'loopback simulators of Kalshi, BoltOdds and The Odds API on their real protocols, with fault injection',
    load: () => import('./sim.js'),
  },
  devig: {
    summary: 'remove the bookmaker margin: odds.line / oracle.line -> oracle.prob (fair probabilities)',
    load: () => import('./devig.js'),
  },
  arbitrate: {
    summary: "choose each game's oracle line from several sportsbooks under a policy, watching staleness",
    load: () => import('./arbitrate.js'),
  },
  'feed-kalshi': {
    summary: 'persistent Kalshi WebSocket feeder: order books, trades, results and connection status as records',
    load: () => import('./feed-kalshi.js'),
  },
  quote: {
    summary: 'the quote manager: maker quotes and taker orders from the oracle, protection, kill switches, shadow and live (Kalshi) execution',
    load: () => import('./quote.js'),
  },
  'exec-gap': {
    summary: 'latency quantiles and the expected edge lost between decision and fill, per day; shadow against live',
    load: () => import('./exec-gap.js'),
  },
  compare: {
    summary: 'two quote runs over the same recording side by side: oracle, probabilities, quotes, fills, skips, edge, PnL',
    load: () => import('./compare.js'),
  },
  'clv-report': {
    summary: 'closing line value of every fill against a reference close, the PnL split, and a game-clustered verdict',
    load: () => import('./clv-report.js'),
  },
  report: {
    summary: "the operator's reports: report daily sums one US Eastern day into Markdown, CSV, SVG charts and HTML",
    load: () => import('./report.js'),
  },
  gate: {
    summary: 'the live-capital gate: judge an evidence directory condition by condition; exit 0 only when all hold',
    load: () => import('./gate.js'),
  },
} as const;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function summaryOf(name: string): string {
  const top = name.split(' ')[0] as CommandName;
  return COMMANDS[top]?.summary ?? '';
}
