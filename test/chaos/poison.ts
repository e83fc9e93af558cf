/**
 * The poison event: a well-formed `chunks.ready` whose claim check holds bytes that are not
 * JSON, so embed fails on it every time (500). The broker must give up after the Trigger's
 * configured attempts and deliver it to the dead-letter sink (the API's /dead-letters), which
 * records the document it names as failed (`dead_lettered`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { sendToBroker } from '../support/events.js';
import { documentId } from '../../lib/documents/identity.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { claimKey } from '../../lib/storage/claim-check.js';
import { api, bucket, config, repoRoot, s3 } from '../support/stack.js';

export const POISON_KEY = 'chaos/poison-event';

export interface Poison {
  eventId: string;
  sentAt: number;
}

export interface PoisonResult {
  deadLettered: boolean;
  /** Where the dead letter was seen: the status record and/or the API's log. */
  evidence: string[];
  afterMs?: number;
}

export async function sendPoisonEvent(): Promise<Poison> {
  const docId = documentId(bucket, POISON_KEY);
  // Where split would have put it: embed only reads the claim of the document version it is about.
  const key = claimKey('chunks', docId, 'poison');
  const body = '{"this is": not json';
  await s3.send(new PutObjectCommand({ Bucket: config.S3_PIPELINE_BUCKET, Key: key, Body: body }));
  const event = new CloudEvent({
    type: EventType.ChunksReady,
    source: EventSource.split,
    subject: POISON_KEY,
    datacontenttype: 'application/json',
    data: {
      document: { bucket, key: POISON_KEY, docId, version: 'poison', size: 1, contentType: 'text/plain' },
      chunkCount: 1,
      chunks: { claim: { bucket: config.S3_PIPELINE_BUCKET, key, bytes: Buffer.byteLength(body) } },
    },
  });
  // A pipeline event: only the Broker's own dispatchers (as replies) may publish one.
  const res = await sendToBroker(event, 'binary', 'sluice-broker');
  if (res.status !== 202) throw new Error(`broker ingress refused the poison event: ${res.status} ${await res.text()}`);
  return { eventId: event.id, sentAt: Date.now() };
}

export async function checkPoison(poison: Poison): Promise<PoisonResult> {
  const evidence: string[] = [];
  const record = await api.status(POISON_KEY).catch(() => undefined);
  if (record?.status === 'failed' && record.reason === 'dead_lettered') evidence.push(`status failed/dead_lettered (${record.error ?? ''})`);
  const apiLog = await readFile(join(process.env.SLUICE_LOG_DIR ?? join(repoRoot, '.sluice/logs'), 'api.log'), 'utf8').catch(() => '');
  const logLine = apiLog.split('\n').find((line) => line.includes('dead letter received') && line.includes(poison.eventId));
  if (logLine) evidence.push('API log: dead letter received');
  // The durable dead-letter list of the API (with the operator's credentials when basic auth is on).
  const listed = await api
    .deadLetters()
    .then((letters) => letters.some((l) => l.eventId === poison.eventId))
    .catch(() => undefined);
  if (listed) evidence.push('API GET /dead-letters lists it');
  const deadLettered = evidence.length >= 2;
  const loggedAt = logLine ? (JSON.parse(logLine) as { time?: number }).time : undefined;
  return { deadLettered, evidence, ...(deadLettered && loggedAt ? { afterMs: loggedAt - poison.sentAt } : {}) };
}
