/** Validating an incoming event's data against the catalogue, at the edge of each stage. */
import type { CloudEvent } from 'cloudevents';
import { DATA_SCHEMAS, type EventData } from '../events/schemas.js';
import type { EventTypeName } from '../events/types.js';
import { InvalidEventError } from './errors.js';

export function parseEventData<T extends EventTypeName>(event: CloudEvent<unknown>, type: T): EventData<T> {
  if (event.type !== type) throw new InvalidEventError(`expected event type ${type}, got ${event.type}`);
  let data: unknown = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      throw new InvalidEventError(`${type}: data is not JSON`);
    }
  }
  const result = DATA_SCHEMAS[type].safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`);
    throw new InvalidEventError(`${type}: data does not match the schema`, problems);
  }
  return result.data as EventData<T>;
}
