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
  'feed-kalshi': {
    summary: 'persistent Kalshi WebSocket feeder: order books, trades, results and connection status as records',
    load: () => import('./feed-kalshi.js'),
  },
  sim: {
    summary: 'loopback exchange simulators speaking the real protocols, with fault injection (sim kalshi)',
    load: () => import('./sim.js'),
  },
} as const;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function summaryOf(name: string): string {
  const top = name.split(' ')[0] as CommandName;
  return COMMANDS[top]?.summary ?? '';
}
