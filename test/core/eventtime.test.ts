import t, { type Test } from 'tap';
import { easternDate, gameLabelDate, parseBoltWhen, parseEasternWallTime, parseInstant, wallTimeInstants, EASTERN_ZONE } from '../../src/core/eventtime.js';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => Date.UTC(y, mo - 1, d, h, mi, s, ms);

function okMs(t: Test, r: ReturnType<typeof parseInstant>, want: number, msg: string): void {
  t.ok(r.ok, `${msg}: parsed`);
  if (r.ok) t.equal(r.ms, want, msg);
}

t.test('UTC strings: Z, offsets, microseconds, exactly to the ms (sub-ms digits truncated)', async (t) => {
  okMs(t, parseInstant('2026-01-22T23:41:07.118402+00:00'), utc(2026, 1, 22, 23, 41, 7, 118), 'BoltOdds timestamp with microseconds');
  okMs(t, parseInstant('2026-01-22T23:41:07.118999+00:00'), utc(2026, 1, 22, 23, 41, 7, 118), 'truncated, not rounded');
  okMs(t, parseInstant('2026-01-22T23:41:07.029402+00:00'), utc(2026, 1, 22, 23, 41, 7, 29), 'no float error on .029');
  okMs(t, parseInstant('2026-01-23T03:30:00Z'), utc(2026, 1, 23, 3, 30), 'The Odds API commence_time');
  okMs(t, parseInstant('2026-01-23T03:30Z'), utc(2026, 1, 23, 3, 30), 'seconds optional');
  okMs(t, parseInstant('2026-01-22T22:41:07.5-01:00'), utc(2026, 1, 22, 23, 41, 7, 500), 'negative offset, one fraction digit');
  okMs(t, parseInstant('2026-01-22T18:41:07-0500'), utc(2026, 1, 22, 23, 41, 7), 'offset without colon');
  okMs(t, parseInstant('2026-01-23T05:11:07+05:30'), utc(2026, 1, 22, 23, 41, 7), 'half-hour offset');
  okMs(t, parseInstant('2026-01-22 23:41:07.118402+00:00'), utc(2026, 1, 22, 23, 41, 7, 118), 'space separator (Python str(datetime))');
  okMs(t, parseInstant('2026-01-22T23:41:07z'), utc(2026, 1, 22, 23, 41, 7), 'lowercase z');
  okMs(t, parseInstant('2026-01-22T23:41:07.123456789Z'), utc(2026, 1, 22, 23, 41, 7, 123), 'nanoseconds truncated');
});

t.test('UTC strings that are refused, with the reason', async (t) => {
  const reason = (s: unknown): string | undefined => {
    const r = parseInstant(s);
    return r.ok ? undefined : r.reason;
  };
  t.equal(reason('2026-01-22T23:41:07'), 'no-offset', 'a naive time is never guessed');
  t.equal(reason('2026-01-22T23:41:07.118402'), 'no-offset');
  t.equal(reason('2026-02-30T00:00:00Z'), 'invalid-date');
  t.equal(reason('2026-01-22T23:61:00Z'), 'invalid-date');
  t.equal(reason('yesterday'), 'unparseable');
  t.equal(reason('1769125267'), 'unparseable');
  t.equal(reason(1769125267000), 'unparseable', 'a number is not a time string');
  t.equal(reason(''), 'missing');
  t.equal(reason(null), 'missing');
  t.equal(reason(undefined), 'missing');
  t.equal(reason('1969-12-31T23:59:59Z'), 'out-of-range');
});

function eastern(t: Test, when: string, want: number, ambiguous = false): void {
  const r = parseEasternWallTime(when);
  t.ok(r.ok, `${when}: parsed`);
  if (r.ok) {
    t.equal(r.ms, want, `${when} -> ${new Date(want).toISOString()}`);
    t.equal(r.ambiguous, ambiguous, `${when}: ambiguous=${ambiguous}`);
  }
}

function refused(t: Test, when: string, reason: string): void {
  const r = parseEasternWallTime(when);
  t.notOk(r.ok, `${when}: refused`);
  if (!r.ok) t.equal(r.reason, reason, `${when}: ${reason}`);
}

t.test('BoltOdds local book strings are US Eastern wall time', async (t) => {
  eastern(t, '2026-01-22, 10:30 PM', utc(2026, 1, 23, 3, 30));
  eastern(t, '2025-09-08, 08:15 PM', utc(2025, 9, 9, 0, 15), false); // EDT
  eastern(t, '2026-01-25, 12:00 AM', utc(2026, 1, 25, 5, 0));
  eastern(t, '2026-01-25, 12:00 PM', utc(2026, 1, 25, 17, 0));
  eastern(t, '2026-01-25, 7:30 pm', utc(2026, 1, 26, 0, 30));
  refused(t, '2026-01-25, 13:00 PM', 'invalid-date');
  refused(t, '2026-02-29, 07:00 PM', 'invalid-date');
  refused(t, '2026-01-25 19:30', 'unparseable');
  refused(t, '2026-01-25, 07:30', 'unparseable');
  refused(t, '', 'missing');
});

t.test('DST 2025: spring forward 2025-03-09, fall back 2025-11-02', async (t) => {
  eastern(t, '2025-03-09, 01:59 AM', utc(2025, 3, 9, 6, 59));
  refused(t, '2025-03-09, 02:00 AM', 'nonexistent-local-time');
  refused(t, '2025-03-09, 02:30 AM', 'nonexistent-local-time');
  eastern(t, '2025-03-09, 03:00 AM', utc(2025, 3, 9, 7, 0));
  eastern(t, '2025-03-09, 07:00 PM', utc(2025, 3, 9, 23, 0), false); // EDT from here
  eastern(t, '2025-03-08, 07:00 PM', utc(2025, 3, 9, 0, 0)); // EST the day before
  eastern(t, '2025-11-02, 12:59 AM', utc(2025, 11, 2, 4, 59));
  eastern(t, '2025-11-02, 01:00 AM', utc(2025, 11, 2, 5, 0), true); // EDT, the earlier of 05:00Z and 06:00Z
  eastern(t, '2025-11-02, 01:30 AM', utc(2025, 11, 2, 5, 30), true);
  eastern(t, '2025-11-02, 01:59 AM', utc(2025, 11, 2, 5, 59), true);
  eastern(t, '2025-11-02, 02:00 AM', utc(2025, 11, 2, 7, 0));
  eastern(t, '2025-11-02, 07:00 PM', utc(2025, 11, 3, 0, 0));
  eastern(t, '2025-11-01, 07:00 PM', utc(2025, 11, 1, 23, 0));
});

t.test('DST 2026: spring forward 2026-03-08, fall back 2026-11-01', async (t) => {
  eastern(t, '2026-03-08, 01:59 AM', utc(2026, 3, 8, 6, 59));
  refused(t, '2026-03-08, 02:00 AM', 'nonexistent-local-time');
  refused(t, '2026-03-08, 02:59 AM', 'nonexistent-local-time');
  eastern(t, '2026-03-08, 03:00 AM', utc(2026, 3, 8, 7, 0));
  eastern(t, '2026-03-08, 07:30 PM', utc(2026, 3, 8, 23, 30));
  eastern(t, '2026-03-07, 07:30 PM', utc(2026, 3, 8, 0, 30));
  eastern(t, '2026-11-01, 12:30 AM', utc(2026, 11, 1, 4, 30));
  eastern(t, '2026-11-01, 01:00 AM', utc(2026, 11, 1, 5, 0), true);
  eastern(t, '2026-11-01, 01:59 AM', utc(2026, 11, 1, 5, 59), true);
  eastern(t, '2026-11-01, 02:00 AM', utc(2026, 11, 1, 7, 0));
  eastern(t, '2026-11-01, 07:00 PM', utc(2026, 11, 2, 0, 0));
  t.same(wallTimeInstants(2026, 11, 1, 1, 30, EASTERN_ZONE), [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)], 'both instants of the repeated hour');
  t.same(wallTimeInstants(2026, 3, 8, 2, 30, EASTERN_ZONE), [], 'no instant in the gap');
});

t.test('date-rollover bridges: the event date is the Eastern date', async (t) => {
  const late = parseEasternWallTime('2026-01-22, 10:30 PM');
  t.ok(late.ok);
  if (late.ok) {
    t.equal(new Date(late.ms).toISOString().slice(0, 10), '2026-01-23', 'the next day in UTC');
    t.equal(easternDate(late.ms), '2026-01-22', 'the event id keeps the Eastern date');
  }
  t.equal(easternDate(utc(2026, 1, 26, 0, 30)), '2026-01-25', '7:30 PM EST game');
  t.equal(easternDate(utc(2026, 1, 26, 4, 59)), '2026-01-25', '11:59 PM EST');
  t.equal(easternDate(utc(2026, 1, 26, 5, 0)), '2026-01-26', 'Eastern midnight');
  t.equal(easternDate(utc(2026, 7, 1, 3, 59)), '2026-06-30', 'summer: EDT is -04:00');
  t.equal(easternDate(utc(2026, 11, 1, 5, 30)), '2026-11-01', 'inside the repeated hour');
  t.equal(easternDate(utc(2026, 3, 8, 7, 0)), '2026-03-08', 'right after spring forward');
  const api = parseInstant('2026-01-23T03:30:00Z');
  t.ok(api.ok);
  if (api.ok && late.ok) t.equal(api.ms, late.ms, 'The Odds API and BoltOdds name the same instant');
});

t.test('info.when variants and the label hour suffix', async (t) => {
  const a = parseBoltWhen('2026-01-22, 10:30 PM');
  const b = parseBoltWhen('2026-01-23T03:30:00+00:00');
  t.ok(a.ok && b.ok && a.ms === b.ms, 'an ISO time with an offset is accepted as an exact instant');
  const naive = parseBoltWhen('2026-01-22T22:30:00');
  t.notOk(naive.ok, 'a naive ISO time is refused');
  t.equal(parseBoltWhen(undefined).ok, false);
  t.equal(gameLabelDate('Los Angeles Lakers vs Los Angeles Clippers, 2026-01-22, 22'), '2026-01-22');
  t.equal(gameLabelDate('Kansas City Chiefs vs Los Angeles Chargers, 2025-09-08, 08'), '2025-09-08', 'the 12-hour suffix (8:15 PM) is not read');
  t.equal(gameLabelDate('no date here'), undefined);
});
