// Every metric in the catalogue is emitted by some command, and nothing emits a name
// outside it. A static check over src/ (running every command, feeds included, against
// its simulator to observe every metric is impractical in a unit test): a catalogued name
// must appear as the name argument of an emitting call, `metrics.counter('x', ...)`,
// `metrics.gauge('x', ...)`, or a file's own helper (`this.counter('x', ...)`,
// `this.count('x', ...)`), possibly as one branch of a conditional
// (`counter(unmapped ? 'unmapped_total' : 'bad_frames_total', ...)`).
import t from 'tap';
import { METRIC_CATALOG } from '../../src/log/metrics.js';
import { sourceFiles } from '../helpers/source.js';

const CALL = /\b(?:counter|gauge|count)\(\s*(?:[\w.!]+\s*\?\s*)?'([a-z0-9_]+)'(?:\s*:\s*'([a-z0-9_]+)')?/g;

function emittedNames(): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const f of sourceFiles('src')) {
    if (f.path === 'src/log/metrics.ts') continue; // the catalogue itself
    for (const m of f.text.matchAll(CALL)) {
      for (const name of [m[1], m[2]]) {
        if (name === undefined) continue;
        const list = where.get(name) ?? [];
        if (!list.includes(f.path)) list.push(f.path);
        where.set(name, list);
      }
    }
  }
  return where;
}

t.test('every catalogued metric is emitted somewhere in src/ (static check)', async (t) => {
  const emitted = emittedNames();
  for (const name of Object.keys(METRIC_CATALOG)) {
    t.ok(emitted.has(name), `${name} is emitted (${(emitted.get(name) ?? ['nowhere']).join(', ')})`);
  }
});

t.test('every emitted name found is catalogued (the check reads the calls it means to read)', async (t) => {
  const emitted = emittedNames();
  t.ok(emitted.size >= 20, `${emitted.size} names found`);
  for (const [name, files] of emitted) t.ok(name in METRIC_CATALOG, `${name} (${files.join(', ')}) is in the catalogue`);
});
