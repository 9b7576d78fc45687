/**
 * `p`, or a rejection as soon as `signal` aborts (at once when it has already): the caller stops
 * waiting, `p` itself goes on. `onAbort` runs first (e.g. to give back what `p` may still yield);
 * the rejection is `reason()`, by default the signal's reason. Without a signal, `p` as it is.
 */
export function unlessAborted<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: () => void,
  reason: () => unknown = () => signal?.reason,
): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(reason());
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}
