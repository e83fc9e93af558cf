/**
 * The one way Sluice builds an outgoing event: the type names its data schema, so the data is
 * typed by the catalogue at compile time; `subject` is the object key (undefined only for an
 * event about no one object, such as reconcile.requested) and the data is always JSON.
 */
import { CloudEvent } from 'cloudevents';
import type { EventData } from './schemas.js';
import type { EventTypeName } from './types.js';
import { Wire } from './http.js';

/** Context attributes a producer may set itself (the SDK fills in id and time otherwise). */
export interface EventAttributesOptions {
  id?: string;
  /** RFC 3339; index sets it to the cycle an event continues. */
  time?: string;
}

export function createEvent<T extends EventTypeName>(
  type: T,
  source: string,
  subject: string | undefined,
  data: EventData<T>,
  attributes: EventAttributesOptions = {},
): CloudEvent<EventData<T>> {
  return new CloudEvent<EventData<T>>({ type, source, ...(subject !== undefined ? { subject } : {}), datacontenttype: Wire.json, data, ...attributes });
}
