// The option parsers of src/cli/kit.ts, and that commands use them instead of their own.
import t from 'tap';
import { InvalidArgumentError } from 'commander';
import { enumOption, intOption, numberOption } from '../../src/cli/kit.js';
import { sourceFiles } from '../helpers/source.js';

t.test('enumOption: exactly one of the values, or "expected one of ..."', async (t) => {
  const p = enumOption(['close', 'all'] as const);
  t.equal(p('close'), 'close');
  t.equal(p('all'), 'all');
  for (const bad of ['Close', 'al', '', ' all', 'close,all']) {
    t.throws(() => p(bad), new InvalidArgumentError('expected one of close, all'), JSON.stringify(bad));
  }
});

t.test('intOption and numberOption at their bounds', async (t) => {
  const i = intOption(1, 10);
  t.equal(i('1'), 1);
  t.equal(i('10'), 10);
  t.throws(() => i('0'), /expected an integer in \[1, 10\]/);
  t.throws(() => i('11'), /expected an integer in \[1, 10\]/);
  t.throws(() => i('1.5'), /expected an integer/);
  const n = numberOption(0, 1);
  t.equal(n('0'), 0);
  t.equal(n('1'), 1);
  t.throws(() => n('1.0000001'), /expected a number in \[0, 1\]/);
  t.throws(() => n(''), /expected a number/);
});

t.test('no command writes its own enum parser (kit.enumOption, or commander .choices())', async (t) => {
  const own = /\.includes\(\s*v\s*\)\)?\s*throw new InvalidArgumentError/;
  for (const f of sourceFiles('src/cli')) {
    if (f.path === 'src/cli/kit.ts') continue;
    t.notOk(own.test(f.text), `${f.path} has no hand-written enum parser`);
  }
});
