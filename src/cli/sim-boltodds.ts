// sim boltodds: the BoltOdds stream simulator (src/sim/boltodds.ts) as a command.
import { BoltOddsSim, boltEpoch, parseBoltScenario, shiftBoltScenario } from '../sim/boltodds.js';
import { EXIT, intOption, numberOption, type CommandSpec } from './kit.js';
import { announce, loadScenario, shiftFor, shiftOptions, shifted, untilDone, type ShiftOpts } from './sim-common.js';

interface Opts extends ShiftOpts {
  scenario: string;
  port?: number;
  key?: string;
  pingMs?: number;
  speed?: number;
  exitWhenDone?: boolean;
  lingerMs?: number;
}

export const spec: CommandSpec<Opts> = {
  name: 'boltodds',
  summary: 'the BoltOdds WebSocket stream on 127.0.0.1, playing a scenario with faults',
  description: `Serves the BoltOdds odds stream on ws://127.0.0.1:PORT/api (?key= required; with --key it
must match, else the upgrade is refused with HTTP 401). A client gets socket_connected,
subscribes with filters, and the scenario's steps are played to it: frames (one object
or an array; timestamps stamped at send time, or age_ms in the past for stale legs), raw
text frames (malformed input, a bare "ping"), disconnects (after which the next steps
wait for the client to reconnect and resubscribe) and protocol pings. The header line can
refuse the first connection attempts with HTTP statuses (connect_faults) and suppress the
ack (ack: false). App-level and protocol pings every --ping-ms. The scenario format is in
src/sim/boltodds.ts and examples/feeds/README.md.

--shift-to-now moves every time the scenario holds (info.when, the date and hour of game
labels, timestamps given in steps) by one offset, so that its epoch (header "epoch") is
now: a scenario recorded months ago plays as tonight's games, with its relative timings
unchanged. --shift-to TIME does the same to a fixed time (tests, reproducible runs).`,
  examples: [
    {
      cmd: 'sim boltodds --scenario examples/feeds/boltodds.scenario.ndjson --exit-when-done > sim.out &',
      what: 'Play the demo scenario once; the first stdout line names the URL.',
    },
    { cmd: 'sim boltodds --scenario s.ndjson --port 8765 --key demo --speed 0', what: 'Fixed port, a required key, every delay skipped.' },
    {
      cmd: 'sim boltodds --scenario examples/feeds/boltodds.scenario.ndjson --shift-to-now',
      what: 'The demo games, moved so that they start in the next hour.',
    },
  ],
  output: 'text',
  inputFiles: (o) => [o.scenario],
  options(cmd) {
    cmd.requiredOption('--scenario <file>', 'NDJSON scenario to play');
    cmd.option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', intOption(0, 65535), 0);
    cmd.option('--key <key>', 'require this ?key= value (any non-empty key otherwise)');
    cmd.option('--ping-ms <n>', 'app-level and protocol ping interval; 0 for none', intOption(0), 20000);
    cmd.option('--speed <x>', 'multiply every step delay by X (0: no delays)', numberOption(0), 1);
    cmd.option('--exit-when-done', 'exit once the scenario has been played (after --linger-ms)');
    cmd.option('--linger-ms <n>', 'with --exit-when-done: wait this long before closing', intOption(0), 500);
    shiftOptions(cmd);
  },
  async run(ctx) {
    const o = ctx.opts;
    const loaded = loadScenario(ctx, o.scenario, parseBoltScenario);
    if (!loaded) return EXIT.RUNTIME;
    const scenario = shifted(loaded, shiftFor(ctx, boltEpoch(loaded), o.scenario), shiftBoltScenario);
    const sim = new BoltOddsSim({
      scenario,
      clock: ctx.clock,
      log: ctx.log,
      port: o.port ?? 0,
      pingMs: o.pingMs ?? 20000,
      speed: o.speed ?? 1,
      ...(o.key !== undefined ? { key: o.key } : {}),
    });
    const url = await sim.start();
    announce(ctx, 'boltodds', url, { steps: scenario.steps.length });
    await untilDone(ctx, sim.done, o.exitWhenDone === true, o.lingerMs ?? 500);
    await sim.stop();
    ctx.text.writeLine(JSON.stringify({ type: 'sim.done', ts: ctx.clock.now(), sim: 'boltodds', ...sim.stats }));
    ctx.summary.stats = sim.stats;
    return EXIT.OK;
  },
};
