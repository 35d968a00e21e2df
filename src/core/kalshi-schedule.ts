// Kalshi's weekly maintenance (reference §0): every Thursday 03:00-05:00 US Eastern a
// trading pause is in effect and WebSocket disconnects are expected. Inside the window a
// feeder reports its state with `maintenance: true` and logs disconnects as expected
// events rather than errors.
import { DateTime } from 'luxon';

export const MAINTENANCE = { weekday: 4, startHour: 3, endHour: 5, zone: 'America/New_York' } as const;

/** True when epoch ms `ts` falls in a Thursday 03:00-05:00 America/New_York window. */
export function inMaintenanceWindow(ts: number): boolean {
  const t = DateTime.fromMillis(ts, { zone: MAINTENANCE.zone });
  return t.weekday === MAINTENANCE.weekday && t.hour >= MAINTENANCE.startHour && t.hour < MAINTENANCE.endHour;
}
