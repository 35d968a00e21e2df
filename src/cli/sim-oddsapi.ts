// sim oddsapi: The Odds API v4 simulator (src/sim/oddsapi.ts) as a command.
import { OddsApiSim, parseOddsScenario, shiftOddsScenario } from '../sim/oddsapi.js';
import { announce, loadScenario, shiftFor, shiftOptions, shifted, untilDone, type ShiftOpts } from './sim-common.js';
import { EXIT, intOption, type CommandSpec } from './kit.js';

interface Opts extends ShiftOpts {
  scenario: string;
  port?: number;
  key?: string;
  requests?: boolean;
  exitAfter?: number;
}

export const spec: CommandSpec<Opts> = {
  name: 'oddsapi',
  summary: 'The Odds API v4 on 127.0.0.1, serving a scenario of responses with faults',
  description: `Serves The Odds API v4 on http://127.0.0.1:PORT: /v4/sports (free), /v4/sports/{sport}/odds
and /v4/sports/{sport}/scores, with apiKey (401 MISSING_KEY without one; with --key, 401
INVALID_KEY for another), parameter checks (422), quota headers x-requests-remaining,
-used and -last on every answer, the real cost rules, and 401 OUT_OF_USAGE_CREDITS once
the scenario's quota is spent. The scenario queues answers per (sport, endpoint): bodies,
error statuses with error_code (401, 403, 429, 5xx), raw bodies (an empty payload),
answers that come late, never, or as a dropped connection. The format is in
src/sim/oddsapi.ts and examples/feeds/README.md. With --requests every answered request is
also written to stdout as {"type":"sim.request",...}.

--shift-to-now moves every commence_time and last_update of the bodies by one offset, so
that the scenario's epoch (header "epoch") is now; --shift-to TIME moves it to TIME.`,
  examples: [
    { cmd: 'sim oddsapi --scenario examples/feeds/oddsapi.scenario.ndjson --port 8766 &', what: 'Serve the demo scenario on a fixed port.' },
    { cmd: 'sim oddsapi --scenario quota.ndjson --key demo --requests', what: 'Require a key and log every request, cost and remaining quota on stdout.' },
    {
      cmd: 'sim oddsapi --scenario examples/feeds/oddsapi.scenario.ndjson --shift-to 2026-03-01T23:45:00Z',
      what: 'The demo games moved to the evening of March 1 (the same times every run).',
    },
  ],
  output: 'text',
  inputFiles: (o) => [o.scenario],
  options(cmd) {
    cmd.requiredOption('--scenario <file>', 'NDJSON scenario of responses');
    cmd.option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', intOption(0, 65535), 0);
    cmd.option('--key <key>', 'require this apiKey (any non-empty key otherwise)');
    cmd.option('--requests', 'write a sim.request record per answered request to stdout');
    cmd.option('--exit-after <n>', 'exit after answering N requests', intOption(1));
    shiftOptions(cmd);
  },
  async run(ctx) {
    const o = ctx.opts;
    const loaded = loadScenario(ctx, o.scenario, parseOddsScenario);
    if (!loaded) return EXIT.RUNTIME;
    const scenario = shifted(loaded, shiftFor(ctx, loaded.epoch, o.scenario), shiftOddsScenario);
    let finish: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      finish = r;
    });
    let answered = 0;
    const sim = new OddsApiSim({
      scenario,
      clock: ctx.clock,
      log: ctx.log,
      port: o.port ?? 0,
      ...(o.key !== undefined ? { key: o.key } : {}),
      onRequest: (r) => {
        ctx.log.info('request', { ...r });
        if (o.requests) ctx.text.writeLine(JSON.stringify({ type: 'sim.request', ts: ctx.clock.now(), ...r }));
        if (o.exitAfter !== undefined && ++answered >= o.exitAfter) finish();
      },
    });
    const url = await sim.start();
    announce(ctx, 'oddsapi', url, { entries: scenario.entries.length, quota: scenario.quota });
    await untilDone(ctx, done, o.exitAfter !== undefined, 100);
    await sim.stop();
    ctx.text.writeLine(JSON.stringify({ type: 'sim.done', ts: ctx.clock.now(), sim: 'oddsapi', requests: sim.requests.length, quota: sim.quota }));
    ctx.summary.requests = sim.requests.length;
    return EXIT.OK;
  },
};
