// examples/chimera.config.json is the documented, ship-ready config: it loads, every
// profile resolves, and it holds every option of every section with a "//key" comment,
// so a new option cannot be added without documenting it there.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/run.js';

const FILE = `${ROOT}examples/chimera.config.json`;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

t.test('the example loads, and every profile resolves', async (t) => {
  const base = loadConfig({ file: FILE });
  t.equal(base.profile, 'default');
  for (const p of ['shadow-control', 'shadow-experiment', 'live']) {
    const c = loadConfig({ file: FILE, profile: p });
    t.not(c.fingerprint, base.fingerprint, `${p} differs from the base`);
  }
  t.not(loadConfig({ file: FILE, profile: 'shadow-control' }).fingerprint, loadConfig({ file: FILE, profile: 'shadow-experiment' }).fingerprint);
});

t.test('every option of every section is present and has a comment', async (t) => {
  const defaults = loadConfig({ cwd: '/' }).config as unknown as Obj;
  const example = JSON.parse(readFileSync(FILE, 'utf8')) as Obj;
  const walk = (d: Obj, e: Obj, path: string): void => {
    for (const [k, v] of Object.entries(d)) {
      const here = path ? `${path}.${k}` : k;
      t.ok(k in e, `${here} is in the example`);
      if (!(k in e)) continue;
      if (isObj(v) && isObj(e[k]) && Object.keys(v).length > 0 && !(here.endsWith('weights') || here.endsWith('book_aliases') || here === 'devig.method')) {
        walk(v, e[k] as Obj, here);
      } else {
        t.ok(`//${k}` in e, `${here} has a "//${k}" comment`);
      }
    }
  };
  walk(defaults, example, '');
});
