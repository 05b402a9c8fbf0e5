/** Short human renderings of durations and sizes for health details, logs and progress. */

/**
 * `850 ms`, `12.4 s`, `6 min`, `1 h 5 min`.
 *
 * @example
 * ```ts
 * formatDuration(372_000); // '6 min'
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${Number((abs / 1_000).toFixed(abs < 10_000 ? 1 : 0))} s`;
  const minutes = Math.round(abs / 60_000);
  if (minutes < 60) return `${sign}${minutes} min`;
  const rest = minutes % 60;
  return `${sign}${Math.floor(minutes / 60)} h${rest === 0 ? '' : ` ${rest} min`}`;
}

/** `512 kB`, `93.5 MB`, `2.0 GB` (powers of 1024, as Redis reports them). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `85 %` */
export function formatShare(share: number): string {
  return `${Math.round(share * 100)} %`;
}
