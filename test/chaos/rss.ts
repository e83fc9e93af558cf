/**
 * Peak resident memory per component: VmHWM of each process whose pid the stack scripts keep in
 * $SLUICE_RUN_DIR/<name>.pid, sampled while the run goes on (a restarted component is a new
 * process; the peak over all its processes is kept).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export class PeakRss {
  private readonly peaksKb = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runDir: string,
    private readonly components: readonly string[],
  ) {}

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
    void this.sample();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sample();
  }

  /** Peak in MiB per component (components never seen are left out). */
  peaksMiB(): Map<string, number> {
    return new Map([...this.peaksKb].map(([name, kb]) => [name, Math.round(kb / 1024)]));
  }

  private async sample(): Promise<void> {
    await Promise.all(
      this.components.map(async (name) => {
        const kb = await vmHwmKb(this.runDir, name);
        if (kb !== undefined) this.peaksKb.set(name, Math.max(kb, this.peaksKb.get(name) ?? 0));
      }),
    );
  }
}

async function vmHwmKb(runDir: string, name: string): Promise<number | undefined> {
  try {
    const pid = (await readFile(join(runDir, `${name}.pid`), 'utf8')).trim();
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // not running right now (killed by a fault, or not started)
  }
}
