// The search form's metadata filter box: `name:value`, several separated by commas, sent to
// /search as repeated `filter=name:value` parameters.

/** `a:b, c:d` → [['a', 'b'], ['c', 'd']]; a part that is not name:value is an Error. */
export function parseFilters(text) {
  const filters = [];
  for (const part of String(text).split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon < 1 || colon === part.length - 1) throw new Error(`"${part}" is not name:value`);
    filters.push([part.slice(0, colon).trim(), part.slice(colon + 1).trim()]);
  }
  return filters;
}
