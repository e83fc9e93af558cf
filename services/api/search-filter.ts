/**
 * Metadata filters of a search and the tenant a credential is bound to. A filter names a
 * configured filterable field (SLUICE_FILTER_FIELDS, or the tenant field) and the exact value
 * its `meta.<name>` must hold; every filter must hold (AND). A credential bound to a tenant
 * (SLUICE_TENANT_BINDINGS) gets its tenant's condition added to every search: filters can only
 * narrow it, and asking for another tenant is refused outright.
 */
import { MAX_META_VALUE_CHARS } from '../../lib/documents/metadata.js';

export interface FilterPolicy {
  /** Names a caller may filter by (the tenant field among them, when set). */
  readonly fields: readonly string[];
  readonly tenantField?: string | undefined;
}

export type FilterResult = { meta: Record<string, string> } | { status: 400 | 403; error: string };

/**
 * The filters of a request: `filter=name:value` query parameters (repeatable; the value is
 * everything after the first colon), or a JSON body's `filter: { name: value }`.
 */
export function readFilters(input: unknown, policy: FilterPolicy): FilterResult {
  const pairs: [string, unknown][] = [];
  if (input === undefined || input === null) {
    // no filters
  } else if (typeof input === 'string' || (Array.isArray(input) && input.every((v) => typeof v === 'string'))) {
    for (const item of [input].flat() as string[]) {
      const colon = item.indexOf(':');
      if (colon < 1 || colon === item.length - 1) return { status: 400, error: `filter ${JSON.stringify(item.slice(0, 100))} is not name:value` };
      pairs.push([item.slice(0, colon), item.slice(colon + 1)]);
    }
  } else if (typeof input === 'object' && !Array.isArray(input)) {
    pairs.push(...Object.entries(input));
  } else {
    return { status: 400, error: 'filter must be name:value parameters, or an object of names to values' };
  }
  const meta: Record<string, string> = {};
  for (const [name, value] of pairs) {
    if (!policy.fields.includes(name)) {
      return {
        status: 400,
        error: policy.fields.length
          ? `${name.slice(0, 100)} is not a filterable field (SLUICE_FILTER_FIELDS: ${policy.fields.join(', ')})`
          : `${name.slice(0, 100)} is not a filterable field: none is configured (SLUICE_FILTER_FIELDS)`,
      };
    }
    if (typeof value !== 'string' || value === '') return { status: 400, error: `filter ${name} needs a non-empty string value (name:value)` };
    if (value.length > MAX_META_VALUE_CHARS) return { status: 400, error: `filter ${name}: a value is at most ${MAX_META_VALUE_CHARS} characters` };
    if (name in meta) return { status: 400, error: `${name} is filtered twice: every filter must hold, so give each field once` };
    meta[name] = value;
  }
  return { meta };
}

/**
 * The filters a bound credential searches with: its own tenant added, whatever it asked. A
 * filter on another tenant is a 403, not an empty answer, so the refusal is visible.
 */
export function bindTenant(meta: Record<string, string>, policy: FilterPolicy, tenant: string | undefined): FilterResult {
  if (tenant === undefined) return { meta };
  if (policy.tenantField === undefined) return { status: 403, error: 'this credential is bound to a tenant, but no SLUICE_TENANT_FIELD is configured' };
  const asked = meta[policy.tenantField];
  if (asked !== undefined && asked !== tenant) return { status: 403, error: `this credential may only search its own tenant (${policy.tenantField} ${tenant})` };
  return { meta: { ...meta, [policy.tenantField]: tenant } };
}
