// Stopping on a signal when the reader of stdout has stopped reading (issue 14, part 4):
// the first SIGINT ends the run; what was taken is delivered, the rest is counted as lost.
import t from 'tap';
import { ndjson, run, summary } from '../helpers/run.js';
import { VALID } from '../fixtures/records.js';

t.test('SIGINT while the reader of stdout has stopped reading: the run stops, says what was lost, writes its summary', async (t) => {
  const big = ndjson(Array.from({ length: 100_000 }, (_, i) => ({ ...VALID['metric'], ts: i })));
  const dir = t.testdir({ 'big.ndjson': big });
  for (const args of [[], ['--merge']]) {
    const r = await run('ndcat', [...args, `${dir}/big.ndjson`], {
      timeoutMs: 30_000,
      onSpawn: (child) => {
        // Take some records (the command is in its read loop), then stop reading: the
        // rest of its output fills the pipe and stays there.
        let got = 0;
        const onData = (b: Buffer): void => {
          got += b.length;
          if (got < 256 * 1024) return;
          child.stdout!.off('data', onData);
          child.stdout!.pause();
          child.kill('SIGINT');
        };
        child.stdout!.on('data', onData);
        child.on('exit', () => child.stdout!.resume());
      },
    });
    t.equal(r.signal, null, `${args.join(' ')}: exited by itself, not killed`);
    t.equal(r.code, 1, 'output was lost: exit 1');
    t.match(summary(r.logs), { stopped_by: 'SIGINT', undelivered_bytes: Number, exit: 1 });
    t.match(r.stderr, /the reader of stdout did not take/);
  }
});
