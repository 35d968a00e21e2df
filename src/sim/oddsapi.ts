// The Odds API v4 on loopback, speaking its real shapes (../shared/reference/oddsfeeds.md
// §B): GET /v4/sports, /v4/sports/{sport}/odds, /v4/sports/{sport}/scores with apiKey (or
// api_key) in the query; quota headers x-requests-remaining/-used/-last on every response;
// cost = markets x regions (bookmakers: each group of up to 10 = one region) for /odds, 1
// (2 with daysFrom) for /scores, free for /v4/sports and for responses without events;
// errors as {"message", "error_code", "details_url"} with the documented HTTP statuses.
//
// A scenario is NDJSON. An optional first line {"sim":"oddsapi", "quota": {"remaining": N,
// "used": M}} sets the quota (default 500 / 0). Every other line is a response for one
// (sport, endpoint), queued in order:
//   {"sport":"basketball_nba", "endpoint":"odds", "body":[...events...]}    200 with that body
//   {"sport":"*", "endpoint":"odds", "status":401, "error_code":"INVALID_KEY"}   an error
//   {"sport":"basketball_nba", "endpoint":"odds", "raw":""}                 a raw body (empty payload)
//   "times": N  serve it N times (default 1); "delay_ms": N  answer late; "hang": true  never
//   answer (the client times out); "drop": true  close the socket without an answer.
//   A server that echoes the request: in "message", "error_code", "raw" and "headers"
//   values, {{apiKey}} is replaced by the key the request carried, {{apiKey:url}} by it
//   percent-encoded, and {{request}} by the request's path and query as received.
// A request takes the head of its (sport, endpoint) queue, else of ("*", endpoint); the
// last entry of a queue repeats forever; with no entry at all, the answer is 200 [].
// When the quota cannot pay for a call the answer is 401 OUT_OF_USAGE_CREDITS.
// Bodies are written with decimal odds and ISO dates; oddsFormat=american and
// dateFormat=unix are converted as the real API does; bookmakers= filters the books.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { z } from 'zod';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';
import { readScenario } from './scenario.js';
import { parseEpoch, shiftIso } from './shift.js';
import { isObj, type Obj } from '../core/json.js';

export const SPORT_KEYS = ['basketball_nba', 'icehockey_nhl'] as const;

const headerSchema = z.strictObject({
  sim: z.literal('oddsapi'),
  comment: z.string().optional(),
  quota: z.strictObject({ remaining: z.number().int().min(0), used: z.number().int().min(0).default(0) }).optional(),
  /** The scenario's moment (ISO with offset, or epoch ms): what --shift-to moves to the target. */
  epoch: z.union([z.string(), z.number()]).optional(),
});

const entrySchema = z.strictObject({
  sport: z.union([z.enum(SPORT_KEYS), z.literal('*')]),
  endpoint: z.enum(['odds', 'scores']),
  comment: z.string().optional(),
  status: z.number().int().min(100).max(599).optional(),
  error_code: z.string().optional(),
  message: z.string().optional(),
  body: z.unknown().optional(),
  raw: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  times: z.number().int().min(1).optional(),
  delay_ms: z.number().int().min(0).optional(),
  hang: z.literal(true).optional(),
  drop: z.literal(true).optional(),
});

export type OddsEntry = z.infer<typeof entrySchema> & { line: number };
export interface OddsScenario {
  quota: { remaining: number; used: number };
  entries: OddsEntry[];
  /** The scenario's moment, when its header names one (epoch ms). */
  epoch?: number;
}

export function parseOddsScenario(text: string, source: string): OddsScenario {
  const { headers, items } = readScenario(text, source, { header: headerSchema, item: entrySchema, itemName: 'entry' });
  let quota = { remaining: 500, used: 0 };
  let epoch: number | undefined;
  for (const h of headers) {
    if (h.quota) quota = { remaining: h.quota.remaining, used: h.quota.used };
    if (h.epoch !== undefined) epoch = parseEpoch(h.epoch, `${source}: header`);
  }
  return { quota, entries: items, ...(epoch !== undefined ? { epoch } : {}) };
}

/** Fields of The Odds API's bodies that hold instants: moved by a scenario shift. */
const TIME_FIELDS = new Set(['commence_time', 'last_update']);

/** The scenario with every instant of its bodies moved by `offset` ms (see src/sim/shift.ts). */
export function shiftOddsScenario(s: OddsScenario, offset: number): OddsScenario {
  const move = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(move);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = TIME_FIELDS.has(k) && typeof x === 'string' ? shiftIso(x, offset) : move(x);
    return out;
  };
  return {
    ...s,
    ...(s.epoch !== undefined ? { epoch: s.epoch + offset } : {}),
    entries: s.entries.map((e) => (e.body === undefined ? e : { ...e, body: move(e.body) })),
  };
}

const ERROR_MESSAGES: Record<string, string> = {
  MISSING_KEY: 'API key is missing. Add apiKey to the query string.',
  INVALID_KEY: 'API key is not valid or not on a subscription.',
  DEACTIVATED_KEY: 'API key has been deactivated.',
  OUT_OF_USAGE_CREDITS: 'Usage quota has been reached.',
  EXCEEDED_FREQ_LIMIT: 'Requests are being made too frequently.',
  UNKNOWN_SPORT: 'Unknown sport.',
  INVALID_MARKET: 'Invalid markets parameter.',
  MISSING_REGION: 'Missing regions or bookmakers parameter.',
  INVALID_ODDS_FORMAT: 'Invalid oddsFormat parameter.',
  INVALID_DATE_FORMAT: 'Invalid dateFormat parameter.',
};

export interface OddsSimOptions {
  scenario: OddsScenario;
  clock: Clock;
  log: Logger;
  host?: string;
  port?: number;
  /** When set, apiKey must equal it (401 INVALID_KEY / MISSING_KEY otherwise). */
  key?: string;
  /** Called for every request answered (the sim command prints them). */
  onRequest?: (r: SimRequest) => void;
}

export interface SimRequest {
  path: string;
  sport: string | undefined;
  endpoint: string;
  status: number;
  cost: number;
  remaining: number;
  line: number | undefined;
}

interface Queued {
  entry: OddsEntry;
  left: number;
}

export class OddsApiSim {
  private server: Server | undefined;
  private readonly queues = new Map<string, Queued[]>();
  private readonly sockets = new Set<Socket>();
  readonly quota: { remaining: number; used: number };
  readonly requests: SimRequest[] = [];
  url = '';

  constructor(private readonly o: OddsSimOptions) {
    this.quota = { ...o.scenario.quota };
    for (const e of o.scenario.entries) {
      const k = `${e.sport}|${e.endpoint}`;
      let q = this.queues.get(k);
      if (!q) this.queues.set(k, (q = []));
      q.push({ entry: e, left: e.times ?? 1 });
    }
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => {
        this.o.log.error('sim request failed', { err: e });
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
    this.url = `http://${this.o.host ?? '127.0.0.1'}:${addr.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private take(sport: string, endpoint: string): OddsEntry | undefined {
    const q = this.queues.get(`${sport}|${endpoint}`)?.length ? this.queues.get(`${sport}|${endpoint}`)! : this.queues.get(`*|${endpoint}`);
    if (!q || q.length === 0) return undefined;
    const head = q[0]!;
    if (q.length > 1 && --head.left <= 0) q.shift();
    return head.entry;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const p = u.searchParams;
    const parts = u.pathname.split('/').filter(Boolean);
    const reply = (
      status: number,
      body: string,
      cost: number,
      sport: string | undefined,
      endpoint: string,
      line: number | undefined,
      extra: Record<string, string> = {},
    ): void => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-requests-remaining': String(this.quota.remaining),
        'x-requests-used': String(this.quota.used),
        'x-requests-last': String(cost),
        ...extra,
      });
      res.end(body);
      const r: SimRequest = { path: u.pathname, sport, endpoint, status, cost, remaining: this.quota.remaining, line };
      this.requests.push(r);
      this.o.onRequest?.(r);
    };
    const error = (
      status: number,
      code: string,
      sport: string | undefined,
      endpoint: string,
      line?: number,
      message?: string,
      extra: Record<string, string> = {},
    ): void => {
      reply(
        status,
        JSON.stringify({
          message: message ?? ERROR_MESSAGES[code] ?? code,
          error_code: code,
          details_url: `https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#${code.toLowerCase()}`,
        }),
        0,
        sport,
        endpoint,
        line,
        extra,
      );
    };
    if (req.method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', undefined, 'other');
    const key = p.get('apiKey') ?? p.get('api_key');
    const echo = (text: string): string =>
      text
        .replaceAll('{{apiKey}}', key ?? '')
        .replaceAll('{{apiKey:url}}', encodeURIComponent(key ?? ''))
        .replaceAll('{{request}}', req.url ?? '');
    const echoHeaders = (h: Record<string, string> | undefined): Record<string, string> =>
      Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, echo(v)]));
    if (parts[0] !== 'v4' || parts[1] !== 'sports') return error(404, 'NOT_FOUND', undefined, 'other', undefined, 'Not found');
    const sport = parts[2];
    const endpoint = sport === undefined ? 'sports' : (parts[3] ?? 'other');
    if (!key) return error(401, 'MISSING_KEY', sport, endpoint);
    if (this.o.key !== undefined && key !== this.o.key) return error(401, 'INVALID_KEY', sport, endpoint);
    if (sport === undefined) {
      return reply(
        200,
        JSON.stringify(
          SPORT_KEYS.map((k) => ({
            key: k,
            group: k.startsWith('basketball') ? 'Basketball' : 'Ice Hockey',
            title: k === 'basketball_nba' ? 'NBA' : 'NHL',
            description: k === 'basketball_nba' ? 'US Basketball' : 'US Ice Hockey',
            active: true,
            has_outrights: false,
          })),
        ),
        0,
        undefined,
        'sports',
        undefined,
      );
    }
    if (!(SPORT_KEYS as readonly string[]).includes(sport)) return error(404, 'UNKNOWN_SPORT', sport, endpoint);
    if (endpoint !== 'odds' && endpoint !== 'scores') return error(404, 'NOT_FOUND', sport, endpoint, undefined, 'Not found');
    let cost: number;
    const oddsFormat = p.get('oddsFormat') ?? 'decimal';
    const dateFormat = p.get('dateFormat') ?? 'iso';
    const books = p.get('bookmakers')?.split(',').filter(Boolean);
    if (endpoint === 'odds') {
      const markets = (p.get('markets') ?? 'h2h').split(',').filter(Boolean);
      if (markets.some((m) => !['h2h', 'spreads', 'totals', 'outrights'].includes(m))) return error(422, 'INVALID_MARKET', sport, endpoint);
      const regions = p.get('regions')?.split(',').filter(Boolean);
      if (!books?.length && !regions?.length) return error(422, 'MISSING_REGION', sport, endpoint);
      if (oddsFormat !== 'decimal' && oddsFormat !== 'american') return error(422, 'INVALID_ODDS_FORMAT', sport, endpoint);
      if (dateFormat !== 'iso' && dateFormat !== 'unix') return error(422, 'INVALID_DATE_FORMAT', sport, endpoint);
      cost = markets.length * (books?.length ? Math.ceil(books.length / 10) : regions!.length);
    } else {
      cost = p.get('daysFrom') ? 2 : 1;
    }
    const entry = this.take(sport, endpoint);
    if (entry?.hang) {
      // never answered: the client's timeout fires
      this.requests.push({ path: u.pathname, sport, endpoint, status: 0, cost: 0, remaining: this.quota.remaining, line: entry.line });
      return;
    }
    if (entry?.drop) {
      req.socket.destroy();
      this.requests.push({ path: u.pathname, sport, endpoint, status: 0, cost: 0, remaining: this.quota.remaining, line: entry.line });
      return;
    }
    if (entry?.delay_ms) await new Promise((r) => this.o.clock.setTimeout(() => r(undefined), entry.delay_ms!));
    const status = entry?.status ?? 200;
    if (status !== 200) {
      return error(
        status,
        echo(entry?.error_code ?? `HTTP_${status}`),
        sport,
        endpoint,
        entry?.line,
        entry?.message === undefined ? undefined : echo(entry.message),
        echoHeaders(entry?.headers),
      );
    }
    if (this.quota.remaining < cost) return error(401, 'OUT_OF_USAGE_CREDITS', sport, endpoint, entry?.line);
    let body: string;
    let empty: boolean;
    if (entry?.raw !== undefined) {
      body = echo(entry.raw);
      empty = /^\s*(\[\s*\])?\s*$/.test(body);
    } else {
      let v = entry?.body ?? [];
      empty = Array.isArray(v) && v.length === 0;
      if (Array.isArray(v)) v = transform(v, { books, american: oddsFormat === 'american', unix: dateFormat === 'unix' });
      body = JSON.stringify(v);
    }
    const charged = empty ? 0 : cost; // calls that return no events are not charged
    this.quota.remaining -= charged;
    this.quota.used += charged;
    reply(200, body, charged, sport, endpoint, entry?.line, echoHeaders(entry?.headers));
  }
}

/** bookmakers= filter, oddsFormat=american and dateFormat=unix, as the real API applies them. */
function transform(events: unknown[], o: { books: string[] | undefined; american: boolean; unix: boolean }): unknown[] {
  const date = (v: unknown): unknown => (o.unix && typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? Math.floor(Date.parse(v) / 1000) : v);
  return events.map((e) => {
    if (!isObj(e)) return e;
    const out: Obj = { ...e, commence_time: date(e.commence_time) };
    if (Array.isArray(e.bookmakers)) {
      out.bookmakers = e.bookmakers
        .filter((b) => !o.books || !isObj(b) || typeof b.key !== 'string' || o.books.includes(b.key))
        .map((b) => {
          if (!isObj(b)) return b;
          return {
            ...b,
            last_update: date(b.last_update),
            markets: Array.isArray(b.markets)
              ? b.markets.map((m) => {
                  if (!isObj(m)) return m;
                  return {
                    ...m,
                    last_update: date(m.last_update),
                    outcomes: Array.isArray(m.outcomes)
                      ? m.outcomes.map((x) => (isObj(x) && typeof x.price === 'number' && o.american ? { ...x, price: toAmerican(x.price) } : x))
                      : m.outcomes,
                  };
                })
              : b.markets,
          };
        });
    }
    return out;
  });
}

function toAmerican(decimal: number): number {
  return decimal >= 2 ? Math.round((decimal - 1) * 100) : Math.round(-100 / (decimal - 1));
}
