/**
 * The console's pipeline view: a small ring buffer of samples the API takes every few seconds
 * from the components' own /metrics (split, embed, index: events received and handled by
 * outcome; the local broker: the depth of every Trigger queue) and from its own stores
 * (documents by status, dead letters stored). No Prometheus needed locally; in the cluster
 * Prometheus and Grafana have the long view, and the API scrapes nothing that scales to zero.
 *
 * Counters become rates between two samples; a counter that went down (a restarted component)
 * counts from zero again.
 */
import type { Logger } from '../../lib/log.js';
import type { DocumentStatus, StatusStore } from '../../lib/status/index.js';
import { parsePrometheusText, sumOf, type PromSample } from './prometheus-text.js';
import type { ReconcileState } from './reconciler.js';

/** The stages always shown, in pipeline order; others appear when their metrics do. */
export const PIPELINE_STAGES = ['split', 'embed', 'index'] as const;
/** Statuses of a document the pipeline has not finished with. */
export const WAITING_STATUSES: readonly DocumentStatus[] = ['queued', 'splitting', 'embedding', 'indexing'];
/** Outcomes of sluice_events_total that are not a stage's work done. */
const ERROR_OUTCOMES = new Set(['failed', 'invalid', 'retry', 'unauthenticated', 'forbidden', 'too_large']);

export interface StageNumbers {
  /** Messages ready in the stage's Trigger queues (RabbitMQ), not yet taken by a dispatcher. */
  queued: number | null;
  /** Events the stage has received and not yet answered. */
  inFlight: number | null;
  /** Events answered per second since the previous sample. */
  throughput: number | null;
  /** Share of those answers that were not `processed` (0…1); null when there were none. */
  errorRate: number | null;
}

export interface PipelineSample {
  at: string;
  /** Documents by status (the status store). */
  documents: Partial<Record<DocumentStatus, number>> | null;
  /** Documents queued, splitting, embedding or indexing. */
  waiting: number | null;
  deadLetters: number | null;
  /** Messages ready in the dead-letter queues (before the API's sink stores them). */
  deadLetterQueue: number | null;
  stages: Record<string, StageNumbers>;
}

export interface TargetState {
  name: string;
  url: string;
  up: boolean;
  error?: string;
}

export interface PipelineView {
  intervalS: number;
  capacity: number;
  stages: string[];
  samples: PipelineSample[];
  targets: TargetState[];
  reconcile: ReconcileState;
}

export interface PipelineMonitorOptions {
  targets: readonly { name: string; url: string }[];
  status: Pick<StatusStore, 'counts'>;
  deadLetters: () => number | undefined;
  reconcile: () => ReconcileState;
  intervalMs: number;
  /** Samples kept. */
  capacity: number;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  scrapeTimeoutMs?: number;
}

export interface PipelineMonitor {
  /** Takes one sample now. */
  sample(): Promise<PipelineSample>;
  /** Samples every intervalMs until the returned stop is called. */
  start(): () => void;
  view(): PipelineView;
}

interface StageCounters {
  received: number;
  handled: number;
  errors: number;
}

/** A Trigger's stage: the first word of its name (`split-object-created` → split). */
export function stageOfTrigger(trigger: string): string {
  return trigger.split('-')[0] ?? trigger;
}

export function stageCounters(samples: readonly PromSample[]): Map<string, StageCounters> {
  const stages = new Map<string, StageCounters>();
  const of = (stage: string) => {
    let c = stages.get(stage);
    if (!c) stages.set(stage, (c = { received: 0, handled: 0, errors: 0 }));
    return c;
  };
  for (const s of samples) {
    const stage = s.labels.stage;
    if (stage === undefined || !Number.isFinite(s.value)) continue;
    if (s.name === 'sluice_events_received_total') of(stage).received += s.value;
    else if (s.name === 'sluice_events_total') {
      of(stage).handled += s.value;
      if (ERROR_OUTCOMES.has(s.labels.outcome ?? '')) of(stage).errors += s.value;
    }
  }
  return stages;
}

export function createPipelineMonitor(options: PipelineMonitorOptions): PipelineMonitor {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const ring: PipelineSample[] = [];
  let previous: { at: number; stages: Map<string, StageCounters> } | undefined;
  let targets: TargetState[] = options.targets.map((t) => ({ ...t, up: false }));
  const seenStages = new Set<string>(PIPELINE_STAGES);

  const scrape = async (target: { name: string; url: string }): Promise<{ state: TargetState; samples: PromSample[] }> => {
    try {
      const res = await doFetch(target.url, { signal: AbortSignal.timeout(options.scrapeTimeoutMs ?? 2_000) });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      return { state: { ...target, up: true }, samples: parsePrometheusText(await res.text()) };
    } catch (err) {
      return { state: { ...target, up: false, error: err instanceof Error ? err.message : String(err) }, samples: [] };
    }
  };

  async function sample(): Promise<PipelineSample> {
    const at = now();
    const [scrapes, counts] = await Promise.all([
      Promise.all(options.targets.map(scrape)),
      options.status.counts().catch((err: unknown) => {
        options.log.debug({ err }, 'pipeline view: status counts unavailable');
        return undefined;
      }),
    ]);
    targets = scrapes.map((s) => s.state);
    const all = scrapes.flatMap((s) => s.samples);
    const counters = stageCounters(all);
    const queueSamples = all.filter((s) => s.name === 'sluice_queue_depth');
    for (const stage of counters.keys()) seenStages.add(stage);
    for (const q of queueSamples) if (q.labels.kind === 'trigger' && q.labels.trigger) seenStages.add(stageOfTrigger(q.labels.trigger));

    const elapsedS = previous ? (at.getTime() - previous.at) / 1000 : 0;
    const stages: Record<string, StageNumbers> = {};
    for (const stage of seenStages) {
      const current = counters.get(stage);
      const before = previous?.stages.get(stage);
      // A counter that went down belongs to a restarted process: its whole value is new.
      const delta = (key: keyof StageCounters) => (current && before ? (current[key] >= before[key] ? current[key] - before[key] : current[key]) : undefined);
      const handled = delta('handled');
      const errors = delta('errors');
      const ownQueues = queueSamples.filter((q) => q.labels.kind === 'trigger' && stageOfTrigger(q.labels.trigger ?? '') === stage);
      stages[stage] = {
        queued: ownQueues.length > 0 ? ownQueues.reduce((n, q) => n + q.value, 0) : null,
        inFlight: current ? Math.max(0, current.received - current.handled) : null,
        throughput: handled !== undefined && elapsedS > 0 ? handled / elapsedS : null,
        errorRate: handled !== undefined && errors !== undefined && handled > 0 ? Math.min(1, errors / handled) : null,
      };
    }
    const dlq = queueSamples.filter((q) => q.labels.kind === 'dead-letter');
    const entry: PipelineSample = {
      at: at.toISOString(),
      documents: counts ?? null,
      waiting: counts ? WAITING_STATUSES.reduce((n, s) => n + (counts[s] ?? 0), 0) : null,
      deadLetters: options.deadLetters() ?? null,
      deadLetterQueue: dlq.length > 0 ? sumOf(dlq, 'sluice_queue_depth') : null,
      stages,
    };
    previous = { at: at.getTime(), stages: counters };
    ring.push(entry);
    if (ring.length > options.capacity) ring.splice(0, ring.length - options.capacity);
    return entry;
  }

  return {
    sample,
    start() {
      if (options.intervalMs <= 0) return () => undefined;
      let busy = false;
      const tick = () => {
        if (busy) return;
        busy = true;
        sample()
          .catch((err: unknown) => options.log.warn({ err }, 'pipeline view: sampling failed'))
          .finally(() => {
            busy = false;
          });
      };
      tick();
      const timer = setInterval(tick, options.intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    view() {
      const ordered = [...PIPELINE_STAGES, ...[...seenStages].filter((s) => !(PIPELINE_STAGES as readonly string[]).includes(s)).sort()];
      return { intervalS: options.intervalMs / 1000, capacity: options.capacity, stages: ordered, samples: [...ring], targets, reconcile: options.reconcile() };
    },
  };
}

