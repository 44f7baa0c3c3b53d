/**
 * A moment as the console shows it: `YYYY-MM-DD HH:MM UTC`. The console serves staff in any time
 * zone and the audit trail is kept in UTC, so pages say UTC rather than guess a local time.
 */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
