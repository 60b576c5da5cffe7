/**
 * Calls `fn` at most once per `ms`: the first call runs at once, calls during the wait collapse
 * into one more run when it ends (so the last change is always seen). `cancel` drops a pending
 * run (on unmount).
 */
export function throttle(fn: () => void, ms: number): (() => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = false;
  const release = () => {
    timer = undefined;
    if (!pending) return;
    pending = false;
    fn();
    timer = setTimeout(release, ms);
  };
  const call = () => {
    if (timer) {
      pending = true;
      return;
    }
    fn();
    timer = setTimeout(release, ms);
  };
  return Object.assign(call, {
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  });
}
