// `/ui/pipeline`: the samples the API keeps (GET /pipeline) as small charts: documents waiting,
// per stage the queue depth, events in flight, throughput and error rate; dead letters; the
// reconcile schedule with "reconcile now".
import { $, api, formatTime, h, role, svg, toast } from './dom.js';
import { chart } from './chart.js';

const state = { timer: undefined, intervalMs: 5000 };

const count = (n) => String(Math.round(n));
const perSecond = (n) => (n >= 10 ? n.toFixed(0) : n.toFixed(2)) + '/s';
const percent = (n) => (n * 100).toFixed(n > 0 && n < 0.1 ? 1 : 0) + '%';

function duration(ms) {
  if (ms % 3_600_000 === 0) return ms / 3_600_000 + ' h';
  if (ms % 60_000 === 0) return ms / 60_000 + ' min';
  return ms / 1000 + ' s';
}

function render(view) {
  const samples = view.samples;
  const slots = view.capacity || samples.length;
  const last = samples[samples.length - 1];
  const series = (pick) => samples.map((s) => {
    const v = pick(s);
    return v === undefined ? null : v;
  });

  $('#waiting-chart').replaceChildren(
    chart(svg, h, { values: series((s) => s.waiting), label: 'documents waiting', format: count, slots, width: 360, height: 64, className: 'waiting' }),
  );
  const docs = last?.documents;
  $('#documents-summary').textContent = docs
    ? Object.entries(docs)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => n + ' ' + status)
        .join(' · ') || 'no documents'
    : 'status counts unavailable';
  $('#dead-letters').textContent = last && last.deadLetters !== null ? String(last.deadLetters) : '–';
  $('#dlq-depth').textContent = last && last.deadLetterQueue !== null ? last.deadLetterQueue + ' in the dead-letter queues' : '';

  const rows = view.stages.map((stage) => {
    const pick = (field) => series((s) => (s.stages[stage] ? s.stages[stage][field] : null));
    return h(
      'tr',
      { dataset: { stage } },
      h('th', { scope: 'row' }, stage),
      h('td', {}, chart(svg, h, { values: pick('queued'), label: stage + ' queued', format: count, slots, className: 'queued' })),
      h('td', {}, chart(svg, h, { values: pick('inFlight'), label: stage + ' in flight', format: count, slots, className: 'in-flight' })),
      h('td', {}, chart(svg, h, { values: pick('throughput'), label: stage + ' throughput', format: perSecond, slots, className: 'throughput' })),
      h('td', {}, chart(svg, h, { values: pick('errorRate'), label: stage + ' error rate', format: percent, slots, floor: 0.05, className: 'errors' })),
    );
  });
  $('#stages tbody').replaceChildren(...rows);
  $('#window').textContent = view.intervalS > 0 ? `the last ${duration(slots * view.intervalS * 1000)}, a sample every ${view.intervalS} s` : 'sampling is off (PIPELINE_SAMPLE_INTERVAL_S=0)';
  $('#targets').textContent = view.targets.length
    ? 'metrics from ' + view.targets.map((t) => t.name + (t.up ? '' : ' (down' + (t.error ? ': ' + t.error : '') + ')')).join(', ')
    : 'no component metrics are sampled here (PIPELINE_METRICS_TARGETS)';

  const r = view.reconcile;
  const run = r.lastRun;
  $('#reconcile').replaceChildren(
    h('dt', {}, 'schedule'),
    h('dd', {}, r.intervalMs > 0 ? 'every ' + duration(r.intervalMs) + (r.nextRunAt ? ', next ' + formatTime(r.nextRunAt) : '') : 'not timed by the API (a PingSource in the cluster, or off)'),
    h('dt', {}, 'last run'),
    h('dd', { id: 'reconcile-last' }, run ? formatTime(run.finishedAt) + (run.error ? ' · failed: ' + run.error : ` · ${run.requested} requested, ${run.deleted} deleted, ${run.healed} healed, ${run.inSync} in sync`) : r.running ? 'running…' : 'none since the API started'),
  );
}

async function refresh() {
  clearTimeout(state.timer);
  try {
    const view = await api('/pipeline');
    state.intervalMs = Math.max(2000, (view.intervalS || 5) * 1000);
    render(view);
  } catch (err) {
    $('#window').textContent = 'refresh failed: ' + err.message;
  } finally {
    state.timer = setTimeout(refresh, state.intervalMs);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#reconcile-now').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const reports = await api('/reconcile', { method: 'POST', json: {} });
      const sum = (field) => reports.reduce((n, r) => n + r[field].length, 0);
      toast(`reconciled: ${sum('requested')} requested, ${sum('deleted')} deleted`);
      await refresh();
    } catch (err) {
      toast('reconcile failed: ' + err.message);
    } finally {
      button.disabled = role() === 'viewer';
    }
  });
  refresh();
});
