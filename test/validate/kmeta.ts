/**
 * eventing-rabbitmq's RabbitMQ object names (pkg/rabbitmqnaming): a Trigger's queue is
 * kmeta.ChildName("t.<namespace>.<trigger>.", <trigger UID>), which knative.dev/pkg shortens
 * with an MD5 when the result would pass 63 characters. Used to check KEDA queue names.
 */
import { createHash } from 'node:crypto';

const LONGEST = 63;
const HEAD = LONGEST - 32;

/** knative.dev/pkg/kmeta.ChildName. */
export function childName(parent: string, suffix: string): string {
  if (parent.length <= LONGEST - suffix.length) return parent + suffix;
  if (HEAD - suffix.length <= 0) {
    const hash = createHash('md5').update(parent + suffix).digest('hex');
    let name = (parent.length > HEAD ? parent.slice(0, HEAD) : parent) + hash;
    if (name.length < LONGEST) name += suffix.slice(0, LONGEST - name.length);
    return name.replace(/[^a-zA-Z0-9]+$/, '');
  }
  return parent.slice(0, HEAD - suffix.length) + createHash('md5').update(parent).digest('hex') + suffix;
}

/** The queue eventing-rabbitmq declares for a Trigger with this UID. */
export function triggerQueueName(namespace: string, trigger: string, uid: string): string {
  return childName(`t.${namespace}.${trigger}.`, uid);
}
