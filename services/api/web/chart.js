// Small inline SVG charts for the pipeline view: a line and the area under it over the samples
// the API keeps, scaled to the largest value shown (at least `floor`). Gaps (null: a component
// that did not answer) break the line. The geometry is pure (sparkline) so it is tested in Node.

/**
 * The line and area paths for `values` in a `width` x `height` box, with `max` the top of the
 * scale. Points are spread over `slots` positions (the ring buffer's capacity), newest at the
 * right, so a chart fills from the right as samples arrive.
 */
export function sparkline(values, { width = 160, height = 40, floor = 1, slots = values.length } = {}) {
  const present = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  const max = Math.max(floor, ...present);
  const step = slots > 1 ? width / (slots - 1) : 0;
  const offset = Math.max(0, slots - values.length);
  const pad = 2;
  const y = (v) => (height - pad - (v / max) * (height - 2 * pad)).toFixed(2);
  const runs = [];
  let run = [];
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (run.length) runs.push(run);
      run = [];
      return;
    }
    run.push([((offset + i) * step).toFixed(2), y(v)]);
  });
  if (run.length) runs.push(run);
  const line = runs.map((r) => 'M' + r.map(([x, yy]) => `${x} ${yy}`).join(' L')).join(' ');
  const area = runs
    .filter((r) => r.length > 1)
    .map((r) => `M${r[0][0]} ${height} L` + r.map(([x, yy]) => `${x} ${yy}`).join(' L') + ` L${r[r.length - 1][0]} ${height} Z`)
    .join(' ');
  const last = [...values].reverse().find((v) => typeof v === 'number' && Number.isFinite(v));
  return { line, area, max: present.length ? Math.max(...present) : null, last: last ?? null };
}

/**
 * A chart element: the SVG (role img, its label saying what and how much) and the latest value.
 * `data-last`, `data-max` and `data-values` (comma-separated, empty for a gap) carry the numbers.
 */
export function chart(svgElement, h, { values, label, format = String, slots, className = '', floor = 1, width = 160, height = 40 }) {
  const { line, area, max, last } = sparkline(values, { width, height, floor, slots });
  const text = last === null ? 'no data' : format(last);
  const summary = `${label}: now ${text}${max !== null ? ', peak ' + format(max) : ''}`;
  const graphic = svgElement(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': summary },
    svgElement('title', {}, summary),
    area ? svgElement('path', { class: 'area', d: area }) : null,
    line ? svgElement('path', { class: 'line', d: line }) : null,
  );
  return h(
    'div',
    {
      class: `chart ${className}`.trim(),
      dataset: { last: last === null ? '' : String(last), max: max === null ? '' : String(max), values: values.map((v) => (v === null ? '' : String(v))).join(',') },
    },
    graphic,
    h('span', { class: 'value' }, text),
  );
}
