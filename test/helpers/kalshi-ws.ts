// A WebSocket client for tests of the Kalshi simulator's WS v2: every message kept in
// order, waits on events (a message, pings), never on wall-clock sleeps.
import WebSocket from 'ws';
import type { Rec } from './kalshi.js';

export class Client {
  readonly msgs: Rec[] = [];
  pings = 0;
  private id = 0;
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.msgs.push(JSON.parse(d.toString()) as Rec);
      for (const w of [...this.waiters]) w();
    });
    ws.on('ping', () => {
      this.pings++;
      for (const w of [...this.waiters]) w();
    });
  }
  /** Resolves once `n` pings have arrived (an event, not a wall-clock sleep). */
  waitPings(n: number, ms = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout: ${n} pings; got ${this.pings}`)), ms);
      const check = (): void => {
        if (this.pings < n) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
      check();
    });
  }
  send(cmd: string, params?: Record<string, unknown>, id = ++this.id): number {
    this.ws.send(JSON.stringify(params === undefined ? { id, cmd } : { id, cmd, params }));
    return id;
  }
  wait(pred: (m: Rec) => boolean, what: string, from = 0, ms = 3000): Promise<Rec> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout: ${what}; got ${JSON.stringify(this.msgs.slice(-3))}`)), ms);
      const check = (): void => {
        const m = this.msgs.slice(from).find(pred);
        if (m) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(m);
        }
      };
      this.waiters.push(check);
      check();
    });
  }
}

export function connect(url: string, headers: Record<string, string>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(new Client(ws)));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
