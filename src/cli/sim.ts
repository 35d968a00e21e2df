// sim: the loopback simulators, one subcommand each. Each subcommand's spec lives in
// its own file (src/cli/sim-<name>.ts); this list is the only thing shared.
import { runCommand, type CommandSpec } from './kit.js';
import { kalshiSim } from './sim-kalshi.js';

export const spec: CommandSpec = {
  name: 'sim',
  description: `Loopback simulators of the outside services, speaking their real protocols on
127.0.0.1, with fault injection: for tests, demos, soak runs and debugging without
touching the real services. Each prints the URLs it serves as its first record after the
run manifest.`,
  examples: [
    { cmd: 'sim kalshi --public-key pub.pem', what: 'A Kalshi exchange with a random walk on the demo markets.' },
    { cmd: 'sim kalshi --help', what: 'Options, fault kinds and the admin API of the Kalshi simulator.' },
  ],
  output: 'ndjson',
  subcommands: [kalshiSim],
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
