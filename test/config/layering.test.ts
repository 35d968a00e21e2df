// Configuration is read before anything connects: src/config must not depend on the
// network edge (src/feeds), the commands, the simulators, the streams or the ledger.
import t from 'tap';
import { importsOf, sourceFiles } from '../helpers/source.js';
import * as endpoints from '../../src/core/kalshi-endpoints.js';
import * as auth from '../../src/feeds/kalshi-auth.js';
import { feedKalshiSection } from '../../src/config/sections/kalshi.js';

const EDGE = /(^|\/)(feeds|cli|sim|stream|ledger)\//;

t.test('no file under src/config imports from feeds, cli, sim, stream or ledger', async (t) => {
  const files = sourceFiles('src/config');
  t.ok(files.length >= 5, 'the config sources were found');
  t.ok(files.some((f) => f.path === 'src/config/sections/kalshi.ts'));
  for (const f of files) {
    const bad = importsOf(f.text).filter((s) => s.startsWith('.') && EDGE.test(s));
    t.same(bad, [], `${f.path} imports only from config, core, schema, log`);
  }
});

t.test('the kalshi section defaults to the production endpoints of src/core, the ones the feeder signs for', async (t) => {
  const d = feedKalshiSection.parse(undefined);
  t.equal(d.ws_url, endpoints.PROD_WS_URL);
  t.equal(d.rest_url, endpoints.PROD_REST_URL);
  // Until src/feeds/kalshi-auth.ts re-exports src/core/kalshi-endpoints.ts, the two must agree.
  for (const k of ['WS_PATH', 'REST_PREFIX', 'PROD_WS_URL', 'PROD_REST_URL', 'DEMO_WS_URL', 'DEMO_REST_URL'] as const) {
    t.equal(endpoints[k], auth[k], k);
  }
});
