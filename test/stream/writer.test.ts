import t from 'tap';
import { Writable } from 'node:stream';
import { LineWriter } from '../../src/stream/writer.js';

/** A writable that takes `capacity` bytes then reports backpressure until drained by hand. */
class Slow extends Writable {
  chunks: string[] = [];
  pending: Array<() => void> = [];
  constructor(hwm: number) {
    super({ highWaterMark: hwm, decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    this.pending.push(() => cb());
  }
  release(): void {
    const p = this.pending;
    this.pending = [];
    for (const f of p) f();
  }
  /** Release until nothing is left in flight. */
  async drainAll(): Promise<void> {
    for (let i = 0; i < 100 && (this.pending.length || this.writableLength); i++) {
      this.release();
      await new Promise((r) => setImmediate(r));
    }
  }
}

t.test('lines are written whole, in order, batched', async (t) => {
  const s = new Slow(1 << 20);
  const w = new LineWriter(s, { batchBytes: 20 });
  for (let i = 0; i < 10; i++) w.writeLine(`{"i":${i}}`);
  w.flush();
  await s.drainAll();
  const text = s.chunks.join('');
  t.equal(text, Array.from({ length: 10 }, (_, i) => `{"i":${i}}\n`).join(''));
  for (const c of s.chunks) t.ok(c.endsWith('\n'), 'every write ends on a line boundary');
  t.equal(w.lines, 10);
});

t.test('backpressure: ready() waits for drain', async (t) => {
  const s = new Slow(16);
  const w = new LineWriter(s, { batchBytes: 1 });
  w.writeLine('x'.repeat(64));
  t.ok(w.backpressured);
  let resolved = false;
  const p = w.ready().then(() => {
    resolved = true;
  });
  await new Promise((r) => setImmediate(r));
  t.notOk(resolved, 'still waiting while the pipe is full');
  s.release();
  await p;
  t.ok(resolved);
});

t.test('EPIPE closes the writer quietly, once, and later lines are dropped', async (t) => {
  let closed = 0;
  const s = new Writable({
    write(_c, _e, cb) {
      const e = Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      cb(e);
    },
  });
  const w = new LineWriter(s, { onClosed: () => closed++ });
  w.writeLine('a');
  w.flush();
  await new Promise((r) => setImmediate(r));
  t.ok(w.closed);
  t.equal(closed, 1);
  w.writeLine('b');
  await w.close();
  t.equal(closed, 1);
});

t.test('close() resolves after every byte was handed over', async (t) => {
  const s = new Slow(1 << 20);
  const w = new LineWriter(s);
  w.writeLine('last');
  let done = false;
  const p = w.close().then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  t.notOk(done, 'the write is still in flight');
  await s.drainAll();
  await p;
  t.equal(s.chunks.join(''), 'last\n');
});
