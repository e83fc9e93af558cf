/**
 * What the validator works on: Kubernetes objects from the built overlays, and the problems it
 * finds in them. Pure types and small helpers shared by every check.
 */

/** A Kubernetes object as kustomize emits it (validated field by field by the schemas). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** One built overlay (deploy/overlays/<name>) and its objects. */
export interface Overlay {
  readonly name: string;
  readonly objects: readonly K8sObject[];
}

export type Severity = 'error' | 'warning';

/** A problem with a subject ("Trigger sluice/embed-chunks-ready", a file) and what is wrong. */
export interface Problem {
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
  /** Overlays in which it occurs; empty for problems outside the built output (files). */
  readonly overlays: readonly string[];
}

/** Collects problems; the same subject+message from several overlays is reported once. */
export class ProblemList {
  readonly #byKey = new Map<string, { severity: Severity; subject: string; message: string; overlays: string[] }>();

  add(severity: Severity, subject: string, message: string, overlay?: string): void {
    const key = `${severity}\u0000${subject}\u0000${message}`;
    const entry = this.#byKey.get(key) ?? { severity, subject, message, overlays: [] };
    if (overlay !== undefined && !entry.overlays.includes(overlay)) entry.overlays.push(overlay);
    this.#byKey.set(key, entry);
  }

  /** A reporter bound to one overlay (or to none, for files). */
  scope(overlay?: string): Reporter {
    return {
      error: (subject, message) => this.add('error', subject, message, overlay),
      warning: (subject, message) => this.add('warning', subject, message, overlay),
    };
  }

  get all(): readonly Problem[] {
    return [...this.#byKey.values()];
  }
}

export interface Reporter {
  error(subject: string, message: string): void;
  warning(subject: string, message: string): void;
}

/** "Kind namespace/name", the way problems name objects. */
export function describe(obj: Pick<K8sObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind} ${ns === undefined ? '' : `${ns}/`}${obj.metadata.name}`;
}

export function group(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Objects of one kind in one API group, e.g. ofKind(objects, 'serving.knative.dev', 'Service'). */
export function ofKind(objects: readonly K8sObject[], apiGroup: string, kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && group(o.apiVersion) === apiGroup);
}

/** The value at a dotted path of a plain object, or undefined. */
export function at(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
