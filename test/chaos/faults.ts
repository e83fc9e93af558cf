/**
 * The faults a chaos run injects: a pure plan (which fault, when) drawn from a seeded PRNG, and
 * the injector that carries each one out on the processes of this stack only, through the
 * stack scripts (stack/component.sh, stack/seaweedfs.sh, stack/rabbitmq.sh).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Random } from '../support/random.js';

export type Stage = 'split' | 'embed' | 'index';
/** Processes a kill may hit: the stages, and (long variant) the broker and the event source. */
export type Killable = Stage | 'broker' | 'seaweedfs-source';

export type Fault =
  /** SIGKILL in the middle of work (CPU busy or unacked deliveries), restart after `downMs`. */
  | { kind: 'kill'; component: Killable; downMs: number }
  /** Every AMQP connection of this stack's vhost closed by RabbitMQ (others' vhosts untouched). */
  | { kind: 'broker-connections' }
  /** The whole RabbitMQ node restarted (machine-wide: only with --restart-rabbitmq). */
  | { kind: 'rabbitmq-restart' }
  /** The Qdrant Edge gateway SIGKILLed, started again after `downMs`. */
  | { kind: 'qdrant-down'; downMs: number }
  | { kind: 'seaweedfs-restart' }
  | { kind: 'embedding-rate-limit'; status: 429 | 503; count: number; retryAfterSeconds: number }
  | { kind: 'embedding-slow'; delayMs: number; forMs: number };

export interface PlannedFault {
  /** Milliseconds after the start of the run. */
  at: number;
  fault: Fault;
}

export type Variant = 'short' | 'long';

export interface PlanOptions {
  variant: Variant;
  restartRabbitmq: boolean;
}

/** Which faults, how many and inside which window; the moments are random (seeded). */
export function planFaults(random: Random, { variant, restartRabbitmq }: PlanOptions): PlannedFault[] {
  const long = variant === 'long';
  // Each call draws fresh parameters, so repeated faults differ.
  const round = (): Fault[] => [
    { kind: 'kill', component: 'split', downMs: random.int(500, 3000) },
    { kind: 'kill', component: 'embed', downMs: random.int(500, 3000) },
    { kind: 'kill', component: 'index', downMs: random.int(500, 3000) },
    { kind: 'broker-connections' },
    { kind: 'qdrant-down', downMs: long ? 30_000 : 8_000 },
    { kind: 'seaweedfs-restart' },
    { kind: 'embedding-rate-limit', status: 429, count: random.int(3, 8), retryAfterSeconds: random.int(1, 3) },
    { kind: 'embedding-rate-limit', status: 503, count: random.int(2, 5), retryAfterSeconds: 1 },
    { kind: 'embedding-slow', delayMs: random.int(1000, 4000), forMs: long ? 30_000 : 10_000 },
  ];
  // Long: two rounds (one Qdrant outage of 30 s is enough), a third round of kills, and kills
  // of the broker (its unacked deliveries go back to the queues) and of the event source
  // (it resumes from its checkpoint).
  const faults: Fault[] = long
    ? [
        ...round(),
        ...round().filter((f) => f.kind !== 'qdrant-down'),
        ...round().filter((f) => f.kind === 'kill'),
        { kind: 'kill', component: 'broker', downMs: random.int(500, 3000) },
        { kind: 'kill', component: 'seaweedfs-source', downMs: random.int(500, 3000) },
      ]
    : round();
  if (restartRabbitmq) faults.push({ kind: 'rabbitmq-restart' });
  const [from, to] = long ? [5_000, 240_000] : [3_000, 45_000];
  return random
    .shuffle(faults)
    .map((fault) => ({ at: random.int(from, to), fault }))
    .sort((a, b) => a.at - b.at);
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill':
      return `SIGKILL ${fault.component}, restart after ${fault.downMs} ms`;
    case 'broker-connections':
      return 'close every RabbitMQ connection of our vhost';
    case 'rabbitmq-restart':
      return 'restart the RabbitMQ node';
    case 'qdrant-down':
      return `Qdrant gateway SIGKILLed for ${fault.downMs / 1000} s`;
    case 'seaweedfs-restart':
      return 'restart SeaweedFS';
    case 'embedding-rate-limit':
      return `embedding backend answers ${fault.status} (Retry-After ${fault.retryAfterSeconds}) to the next ${fault.count} calls`;
    case 'embedding-slow':
      return `embedding backend ${fault.delayMs} ms slower for ${fault.forMs / 1000} s`;
  }
}

const run = promisify(execFile);

export interface InjectorOptions {
  repoRoot: string;
  /** The test embedding server's base URL (control endpoint). */
  embeddingUrl: string;
  /** RabbitMQ vhost of this stack, to find the stages' unacked deliveries. */
  vhost: string;
  /** $SLUICE_RUN_DIR: the pid files of the stack's processes. */
  runDir: string;
  /** Gives the stage something to do (an upload), so that a kill lands in the middle of work. */
  provokeWork?: (component: Killable) => Promise<void>;
}

/** utime + stime of a component's process, from /proc (undefined when it is not running). */
async function cpuTicks(runDir: string, name: string): Promise<number | undefined> {
  try {
    const pid = (await readFile(join(runDir, `${name}.pid`), 'utf8')).trim();
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at "state"; utime, stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

export class FaultInjector {
  constructor(private readonly options: InjectorOptions) {}

  /** Carries out one fault; resolves when the system is whole again. Returns a note for the log. */
  async inject(fault: Fault): Promise<string> {
    switch (fault.kind) {
      case 'kill': {
        await this.options.provokeWork?.(fault.component);
        const busy = await this.waitBusy(fault.component, 20_000);
        await this.script('stack/component.sh', 'kill', fault.component);
        await sleep(fault.downMs);
        await this.script('stack/component.sh', 'start', fault.component);
        return busy ? `killed in the middle of work: ${busy}` : 'killed while idle (no work seen in 20 s)';
      }
      case 'broker-connections':
        return (await this.script('stack/rabbitmq.sh', 'close-connections')).trim().split('\n').pop() ?? '';
      case 'rabbitmq-restart':
        await this.script('stack/rabbitmq.sh', 'restart');
        return 'node restarted';
      case 'qdrant-down':
        await this.script('stack/component.sh', 'kill', 'qdrant-edge-gateway');
        await sleep(fault.downMs);
        await this.script('stack/component.sh', 'start', 'qdrant-edge-gateway');
        return '';
      case 'seaweedfs-restart':
        await this.script('stack/seaweedfs.sh', 'stop');
        await this.script('stack/seaweedfs.sh', 'start');
        return '';
      case 'embedding-rate-limit': {
        // Held until the refusals are served (new text to embed guarantees calls), so that the
        // next fault cannot replace this one before it happened.
        const before = (await this.embeddingStats()).failed[fault.status] ?? 0;
        await this.embeddingFaults({ fail: { status: fault.status, count: fault.count, retryAfterSeconds: fault.retryAfterSeconds } });
        await this.options.provokeWork?.('embed');
        const deadline = Date.now() + 60_000;
        let served = 0;
        while (served < fault.count && Date.now() < deadline) {
          await sleep(500);
          served = ((await this.embeddingStats()).failed[fault.status] ?? 0) - before;
        }
        return `${served} of ${fault.count} calls refused`;
      }
      case 'embedding-slow': {
        const before = (await this.embeddingStats()).delayed;
        await this.embeddingFaults({ delayMs: fault.delayMs, delayForMs: fault.forMs });
        await this.options.provokeWork?.('embed');
        await sleep(fault.forMs);
        return `${(await this.embeddingStats()).delayed - before} calls delayed`;
      }
    }
  }

  /** Unacked deliveries on the stage's Trigger queues (the stage is working on them). */
  async unacked(component: Killable): Promise<number> {
    // The broker holds the deliveries of every queue; a stage those of its own Trigger queues.
    const prefix = component === 'broker' ? 't.sluice.' : `t.sluice.${component}-`;
    const { stdout } = await run('rabbitmqctl', ['-q', 'list_queues', '-p', this.options.vhost, 'name', 'messages_unacknowledged', '--no-table-headers'], { timeout: 15_000 });
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([name]) => name?.startsWith(prefix) && !name.endsWith('.dlq'))
      .reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
  }

  /**
   * Waits until the stage is in the middle of work: its process burns CPU (split, index, the
   * ONNX embedder) or the broker holds unacked deliveries for it (embed waiting on a slow
   * backend). rabbitmqctl is slow to start, so it runs alongside a fast CPU probe.
   */
  private async waitBusy(stage: Killable, timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    let queueProbe: Promise<number> | undefined;
    let unacked = 0;
    let lastTicks = await cpuTicks(this.options.runDir, stage);
    while (Date.now() < deadline) {
      queueProbe ??= this.unacked(stage)
        .catch(() => 0)
        .then((n) => ((unacked = n), (queueProbe = undefined), n));
      await sleep(100);
      if (unacked > 0) return `${unacked} deliveries unacked`;
      const ticks = await cpuTicks(this.options.runDir, stage);
      // 2 ticks (USER_HZ 100) in 100 ms is 20% of a core: working, not idling.
      if (ticks !== undefined && lastTicks !== undefined && ticks - lastTicks >= 2) return `busy on CPU (${ticks - lastTicks} ticks in 100 ms)`;
      lastTicks = ticks;
    }
    return undefined;
  }

  private async script(path: string, ...args: string[]): Promise<string> {
    const { stdout } = await run('bash', [join(this.options.repoRoot, path), ...args], { cwd: this.options.repoRoot, env: process.env, timeout: 180_000 });
    return stdout;
  }

  async embeddingFaults(body: unknown): Promise<void> {
    const res = await fetch(new URL('/control/faults', this.options.embeddingUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`embedding control answered ${res.status}: ${await res.text()}`);
  }

  async embeddingStats(): Promise<{ calls: number; answered: number; failed: Record<string, number>; delayed: number }> {
    const res = await fetch(new URL('/control/stats', this.options.embeddingUrl));
    return (await res.json()) as { calls: number; answered: number; failed: Record<string, number>; delayed: number };
  }
}
