// sim: loopback simulators of the outside services, one subcommand each. Each spec lives
// in its own file (sim-<source>.ts); this file only lists them.
import { spec as boltoddsSim } from './sim-boltodds.js';
import { spec as oddsapiSim } from './sim-oddsapi.js';
import { kalshiSim } from './sim-kalshi.js';
import { runCommand, type CommandSpec } from './kit.js';

export const spec: CommandSpec = {
  name: 'sim',
  description: `Simulators of the outside services on 127.0.0.1, speaking their real protocols
(../shared/reference): the Kalshi exchange (WebSocket v2 and signed REST, with a matching
engine), the BoltOdds stream and The Odds API. Each serves a scenario file (NDJSON) or a
seeded random walk, with fault injection, so the real feeds can be run, tested, soaked and
demonstrated offline. Each prints the URLs it bound as a sim.listening record on stdout and
as a log field on stderr.`,
  examples: [
    { cmd: 'sim kalshi --public-key pub.pem', what: 'A Kalshi exchange with a random walk on the demo markets.' },
    {
      cmd: 'sim kalshi --public-key pub.pem --scenario examples/kalshi/scenario.ndjson --speed 10',
      what: 'Replay the bundled Kalshi scenario ten times faster.',
    },
    { cmd: 'sim boltodds --scenario examples/feeds/boltodds.scenario.ndjson', what: 'Serve the demo BoltOdds scenario on a free port.' },
    { cmd: 'sim oddsapi --scenario examples/feeds/oddsapi.scenario.ndjson --port 8766', what: 'Serve The Odds API demo scenario on port 8766.' },
  ],
  output: 'text',
  subcommands: [kalshiSim, boltoddsSim, oddsapiSim],
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
