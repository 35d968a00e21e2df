// sim: loopback simulators of the data sources, one subcommand each. Each spec lives in
// its own file (sim-<source>.ts); this file only lists them.
import { spec as boltoddsSim } from './sim-boltodds.js';
import { spec as oddsapiSim } from './sim-oddsapi.js';
import { runCommand, type CommandSpec } from './kit.js';

export const spec: CommandSpec = {
  name: 'sim',
  description: `Simulators of the data sources on 127.0.0.1, speaking their real protocol shapes
(../shared/reference), each serving a scenario file (NDJSON) with fault injection, so the
real feeds can be run, tested and demonstrated offline. Each prints the URL it bound, first
on stdout as {"type":"sim.listening","url":...} and on stderr as a log field.`,
  examples: [
    { cmd: 'sim boltodds --scenario examples/feeds/boltodds.scenario.ndjson', what: 'Serve the demo BoltOdds scenario on a free port.' },
    { cmd: 'sim oddsapi --scenario examples/feeds/oddsapi.scenario.ndjson --port 8766', what: 'Serve The Odds API demo scenario on port 8766.' },
  ],
  output: 'text',
  subcommands: [boltoddsSim, oddsapiSim],
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
