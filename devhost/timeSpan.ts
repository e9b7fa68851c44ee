/**
 * .NET TimeSpan strings as host.json and NCRONTAB-or-TimeSpan timer schedules use them:
 * `hh:mm:ss`, `d.hh:mm:ss`, with optional `.fffffff` fractions (TimeSpan.Parse, invariant culture).
 */
const TIME_SPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/;

/** Milliseconds, or undefined when the text is not a TimeSpan. */
export function parseTimeSpan(text: string): number | undefined {
  const m = TIME_SPAN.exec(text.trim());
  if (!m) return undefined;
  const [, minus, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = m;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const ms = ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + Math.round(Number(`0.${fraction || '0'}`) * 1000);
  return minus ? -ms : ms;
}
