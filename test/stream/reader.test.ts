import t from 'tap';
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readLines, readStreamLines, iterateLines } from '../../src/stream/reader.js';

function collect() {
  const lines: Array<[string, number]> = [];
  const tooLong: Array<[number, number]> = [];
  return {
    lines,
    tooLong,
    sink: {
      line: (text: string, _s: string, n: number) => {
        lines.push([text, n]);
      },
      tooLong: (_e: string, bytes: number, _s: string, n: number) => {
        tooLong.push([bytes, n]);
      },
    },
  };
}

function streamOf(chunks: Array<string | Buffer>): Readable {
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

t.test('CRLF, BOM on the first line only, final line without newline', async (t) => {
  const c = collect();
  const n = await readStreamLines(streamOf(['\ufeffa\r\nb\r\n\ufeffc', '\nlast']), 'x', c.sink);
  t.equal(n, 4);
  t.same(c.lines, [
    ['a', 1],
    ['b', 2],
    ['\ufeffc', 3],
    ['last', 4],
  ]);
});

t.test('lines split across many chunks, and multi-byte characters split mid-sequence', async (t) => {
  const text = Buffer.from('{"k":"é€😀"}\n{"k":2}\n');
  const chunks = [...text].map((b) => Buffer.from([b])); // one byte per chunk
  const c = collect();
  await readStreamLines(Readable.from(chunks), 'x', c.sink);
  t.same(
    c.lines.map((l) => l[0]),
    ['{"k":"é€😀"}', '{"k":2}'],
  );
});

t.test('a line of several MB comes through whole', async (t) => {
  const big = 'x'.repeat(5 * 1024 * 1024);
  const c = collect();
  await readStreamLines(streamOf([`a\n${big.slice(0, 1000)}`, big.slice(1000, 3_000_000), `${big.slice(3_000_000)}\nz`]), 'x', c.sink);
  t.equal(c.lines.length, 3);
  t.equal(c.lines[1]![0].length, big.length);
  t.equal(c.lines[2]![0], 'z');
});

t.test('a line over the limit is reported as too long and skipped; the next line still counts', async (t) => {
  const c = collect();
  await readStreamLines(streamOf(['ok\n', 'y'.repeat(3000), 'y'.repeat(3000), '\nafter\n', 'z'.repeat(9000)]), 'x', c.sink, { maxLineBytes: 4096 });
  t.same(c.lines, [
    ['ok', 1],
    ['after', 3],
  ]);
  t.same(c.tooLong, [
    [6000, 2],
    [9000, 4],
  ]);
});

t.test('the limit holds for a line inside one chunk too: the result never depends on how the input was split', async (t) => {
  const line = 'y'.repeat(2030);
  for (const pieces of [[`ok\n${line}\nafter\n`], [`ok\n${line.slice(0, 1000)}`, `${line.slice(1000)}\nafter\n`]]) {
    const c = collect();
    await readStreamLines(streamOf(pieces), 'x', c.sink, { maxLineBytes: 1024 });
    t.same(
      c.lines,
      [
        ['ok', 1],
        ['after', 3],
      ],
      `${pieces.length} chunk(s)`,
    );
    t.same(c.tooLong, [[2030, 2]], `${pieces.length} chunk(s)`);
  }
});

t.test('empty input and a lone newline', async (t) => {
  const c = collect();
  t.equal(await readStreamLines(streamOf([]), 'x', c.sink), 0);
  t.equal(await readStreamLines(streamOf(['\n']), 'x', c.sink), 1);
  t.same(c.lines, [['', 1]]);
});

t.test('files by path, and the pull-based iterator yields the same lines', async (t) => {
  const dir = t.testdir({});
  const file = `${dir}/f.ndjson`;
  const lines = Array.from({ length: 20_000 }, (_, i) => `{"i":${i}}`);
  writeFileSync(file, lines.join('\n'));
  const c = collect();
  await readLines(file, c.sink, { highWaterMark: 4096 });
  t.equal(c.lines.length, 20_000);
  const pulled: string[] = [];
  for await (const l of iterateLines(file, { highWaterMark: 4096 })) pulled.push(l.text);
  t.same(pulled, lines);
});

t.test('abort stops reading', async (t) => {
  const ac = new AbortController();
  const c = collect();
  let chunks = 0;
  await readStreamLines(
    streamOf(['a\n', 'b\n', 'c\n', 'd\n']),
    'x',
    {
      ...c.sink,
      chunkEnd: () => {
        if (++chunks === 2) ac.abort();
      },
    },
    { signal: ac.signal },
  );
  t.same(
    c.lines.map((l) => l[0]),
    ['a', 'b'],
  );
});

t.test('rejecting a line over the limit copies none of it (only its 120-byte excerpt)', async (t) => {
  // In a fresh process (a high-water mark is per process): a 96 MiB line against a 32 MiB
  // limit, fed as one 1 MiB buffer repeated, so holding the pieces costs nothing and any
  // growth is a copy. Before, the reader joined the pieces into one buffer to take the
  // excerpt: the limit's size again (a 300 MB line cost ~600 MB; see test/bench/NOTES.md).
  const { spawnSync } = await import('node:child_process');
  const reader = new URL('../../src/stream/reader.js', import.meta.url).href;
  const script = `
    import { Readable } from 'node:stream';
    import { readStreamLines } from ${JSON.stringify(reader)};
    const MB = 1 << 20, limit = 32 * MB, piece = Buffer.alloc(MB, 0x61);
    function* pieces() { for (let i = 0; i < 96; i++) yield piece; yield Buffer.from('\\n{"ok":1}\\n'); }
    const before = process.resourceUsage().maxRSS;
    const got = [];
    await readStreamLines(Readable.from(pieces()), 'x', { line: (s) => got.push(s), tooLong: (ex, bytes) => got.push(ex.length + ':' + bytes) }, { maxLineBytes: limit });
    console.log(JSON.stringify({ extra: (process.resourceUsage().maxRSS - before) * 1024 / limit, got }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { extra: number; got: string[] };
  t.same(res.got, [`120:${96 * (1 << 20)}`, '{"ok":1}'], 'reported with its 120-byte excerpt; the next line still read');
  t.ok(res.extra < 0.5, `peak memory grew by ${res.extra.toFixed(2)} x the limit (a copy would be 1)`);
});
