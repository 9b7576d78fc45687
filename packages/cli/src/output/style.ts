/** Colours only on a TTY and never with NO_COLOR (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

const wrap = (open: number, close: number) => (s: string, on: boolean) =>
  on ? `\u001b[${open}m${s}\u001b[${close}m` : s;
export const bold = wrap(1, 22);
export const dim = wrap(2, 22);
export const green = wrap(32, 39);
export const red = wrap(31, 39);
export const yellow = wrap(33, 39);

/** 0.81234 → "0.812"; undefined → "—". */
export function fmt(v: number | undefined | null, digits = 3): string {
  return v === undefined || v === null || Number.isNaN(v) ? '—' : v.toFixed(digits);
}

/** Seconds → "1m 05s" / "42s". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}
