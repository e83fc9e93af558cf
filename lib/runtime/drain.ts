/**
 * In-flight work of a server that is about to stop: counts what runs, refuses new work once
 * draining, and tells when the last piece is done. The function server's SIGTERM handling
 * (Knative sends SIGTERM, waits the termination grace period, then SIGKILLs) is built on it.
 */
export class Drain {
  private active = 0;
  private draining = false;
  private waiters: Array<() => void> = [];

  get inFlight(): number {
    return this.active;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Registers one piece of work; false (and nothing registered) once draining has begun. */
  begin(): boolean {
    if (this.draining) return false;
    this.active++;
    return true;
  }

  end(): void {
    if (this.active === 0) return;
    this.active--;
    if (this.active === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** From now on {@link begin} refuses work. */
  startDraining(): void {
    this.draining = true;
  }

  /** Resolves true once nothing is in flight, false if `ms` passed first. */
  idle(ms: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(false);
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(wake);
    });
  }
}
