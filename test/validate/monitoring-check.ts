/**
 * Monitoring: the Grafana dashboard (deploy/monitoring/*.json, also shipped as a ConfigMap)
 * parses and only queries metrics that exist — those the code defines (`name: 'sluice_…'` with
 * prom-client, plus the process metrics of collectDefaultMetrics with the `sluice_` prefix) and
 * the few exporter metrics listed below with their source. In each overlay, the monitors point
 * at what the overlay deploys: a PodMonitor's Knative Services exist and use Knative's user
 * port, a ServiceMonitor for RabbitMQ selects a RabbitmqCluster of the overlay.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { at, describe, isRecord, ofKind, type K8sObject, type Reporter } from './model.js';

/** Metrics the dashboard may query that Sluice's code does not define, and who exports them. */
export const EXTERNAL_METRICS: Readonly<Record<string, string>> = {
  rabbitmq_detailed_queue_messages_ready: 'RabbitMQ rabbitmq_prometheus /metrics/detailed, family queue_coarse_metrics (ServiceMonitor sluice-rabbitmq)',
};

const DASHBOARD_DIR = join('deploy', 'monitoring');
/** Knative's name for the user container's port in revision pods. */
const KNATIVE_USER_PORT = 'user-port';

/** Metric names defined in the code: `name: 'sluice_…'` in lib/, functions/, services/, local/, cli/. */
export function definedMetricNames(codeRoot: string): Set<string> {
  const names = new Set<string>();
  for (const dir of ['lib', 'functions', 'services', 'local', 'cli']) {
    for (const file of walk(join(codeRoot, dir))) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(/\bname:\s*['"](sluice_[a-z0-9_]+)['"]/g)) names.add(m[1]!);
    }
  }
  // Process metrics exactly as lib/runtime/metrics.ts registers them.
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults, prefix: 'sluice_' });
  for (const metric of defaults.getMetricsAsArray()) names.add(metric.name);
  return names;
}

/** Series names a metric name stands for: a histogram's _bucket, _sum and _count too. */
function seriesNames(metrics: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of metrics) for (const suffix of ['', '_bucket', '_sum', '_count']) out.add(`${name}${suffix}`);
  return out;
}

const PROMQL_WORDS = new Set([
  // aggregations and their modifiers
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2',
  // functions
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_quantile', 'histogram_count', 'histogram_sum', 'histogram_fraction',
  'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute', 'month',
  'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time', 'stddev_over_time',
  'stdvar_over_time', 'last_over_time', 'present_over_time', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression selects. Pure and deliberately small: strings, label
 * matchers `{…}`, ranges `[…]`, grouping clauses `by (…)` and Grafana variables are removed;
 * every identifier left that is not a PromQL keyword or function is a metric name.
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    if (!PROMQL_WORDS.has(m[0])) names.add(m[0]);
  }
  return [...names];
}

/** Every `expr` of a Grafana dashboard, with the title of its panel (rows' panels included). */
export function dashboardQueries(dashboard: unknown): Array<{ panel: string; expr: string }> {
  const out: Array<{ panel: string; expr: string }> = [];
  const visit = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels) {
      if (!isRecord(panel)) continue;
      const title = typeof panel.title === 'string' ? panel.title : '(untitled)';
      for (const target of Array.isArray(panel.targets) ? panel.targets : []) {
        if (isRecord(target) && typeof target.expr === 'string') out.push({ panel: title, expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(at(dashboard, 'panels'));
  return out;
}

/** The dashboards under deploy/monitoring: they parse and query only metrics that exist. */
export function checkDashboards(root: string, codeRoot: string, report: Reporter): void {
  const dir = join(root, DASHBOARD_DIR);
  if (!existsSync(dir)) return;
  const known = seriesNames([...definedMetricNames(codeRoot), ...Object.keys(EXTERNAL_METRICS)]);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const where = relative(root, join(dir, file)) || file;
    let dashboard: unknown;
    try {
      dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      report.error(where, `not valid JSON: ${(err as Error).message}`);
      continue;
    }
    const queries = dashboardQueries(dashboard);
    if (queries.length === 0) report.error(where, 'no panel queries anything (expected panels[].targets[].expr)');
    for (const { panel, expr } of queries) {
      for (const name of metricNamesIn(expr)) {
        if (!known.has(name)) report.error(where, `panel "${panel}" queries ${name}, which no Sluice code defines (name: 'sluice_…') and no listed exporter provides`);
      }
    }
  }
}

/** In one overlay: monitors select what the overlay deploys. */
export function checkMonitors(objects: readonly K8sObject[], report: Reporter): void {
  const knativeServices = new Set(ofKind(objects, 'serving.knative.dev', 'Service').map((s) => s.metadata.name));
  const rabbitClusters = new Set(ofKind(objects, 'rabbitmq.com', 'RabbitmqCluster').map((c) => c.metadata.name));
  for (const monitor of ofKind(objects, 'monitoring.coreos.com', 'PodMonitor')) {
    const subject = describe(monitor);
    const expressions = at(monitor, 'spec.selector.matchExpressions');
    const services = (Array.isArray(expressions) ? expressions : [])
      .filter((e) => isRecord(e) && e.key === 'serving.knative.dev/service' && e.operator === 'In')
      .flatMap((e) => (Array.isArray((e as { values?: unknown }).values) ? ((e as { values: string[] }).values) : []));
    for (const name of services) {
      if (!knativeServices.has(name)) report.error(subject, `selects pods of Knative Service ${name}, which this overlay does not deploy`);
    }
    const endpoints = at(monitor, 'spec.podMetricsEndpoints');
    for (const endpoint of Array.isArray(endpoints) ? endpoints : []) {
      if (services.length > 0 && isRecord(endpoint) && endpoint.port !== KNATIVE_USER_PORT) {
        report.error(subject, `scrapes port ${String(endpoint.port)}; Knative names the user container's port ${KNATIVE_USER_PORT}`);
      }
    }
  }
  for (const monitor of ofKind(objects, 'monitoring.coreos.com', 'ServiceMonitor')) {
    const labels = at(monitor, 'spec.selector.matchLabels');
    if (!isRecord(labels) || labels['app.kubernetes.io/component'] !== 'rabbitmq') continue;
    const cluster = labels['app.kubernetes.io/name'];
    if (typeof cluster !== 'string' || !rabbitClusters.has(cluster)) {
      report.error(describe(monitor), `selects the Service of RabbitmqCluster ${String(cluster)}, which this overlay does not deploy`);
    }
  }
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
