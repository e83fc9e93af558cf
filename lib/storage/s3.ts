/**
 * S3 access for the pipeline (SeaweedFS locally, any S3 in production): one client factory and
 * the reads the stages need (an object, its HEAD with its user metadata, its tags), with S3
 * failures classified for the broker.
 */
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Config } from '../config.js';
import { normaliseEtag } from '../documents/identity.js';
import { TransientError } from '../runtime/errors.js';

/** `overrides`: e.g. another endpoint and checksum rule for a client that only presigns URLs. */
export function createS3Client(config: Pick<Config, 'S3_ENDPOINT' | 'S3_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>, overrides: S3ClientConfig = {}): S3Client {
  // We target Node 20 on purpose (the platform's runtime) with a locked SDK version; the SDK's
  // notice about future releases needing Node 22 would otherwise open every CLI run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    // SeaweedFS and most self-hosted S3 servers address buckets by path, not by DNS name.
    forcePathStyle: true,
    credentials: { accessKeyId: config.AWS_ACCESS_KEY_ID, secretAccessKey: config.AWS_SECRET_ACCESS_KEY },
    ...overrides,
  });
}

export interface StoredObject {
  bytes: Uint8Array;
  etag: string;
  contentType: string;
  size: number;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
}

export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`object is ${size} bytes, over the limit of ${limit} bytes (MAX_OBJECT_BYTES)`);
  }
}

export interface ObjectHead {
  etag: string;
  size: number;
  contentType: string;
  /** User metadata (`x-amz-meta-*`), names without the prefix, as the S3 client gives them. */
  userMetadata: Record<string, string>;
}

export async function headObject(s3: S3Client, bucket: string, key: string): Promise<ObjectHead> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      etag: normaliseEtag(head.ETag) ?? '',
      size: head.ContentLength ?? 0,
      contentType: head.ContentType ?? 'application/octet-stream',
      userMetadata: { ...head.Metadata },
    };
  } catch (err) {
    throw classifyS3Error(err, bucket, key);
  }
}

/**
 * The object's tags (GetObjectTagging), or undefined when the server does not implement
 * tagging (501 NotImplemented): an S3 without tags has objects without tags.
 */
export async function getObjectTags(s3: S3Client, bucket: string, key: string): Promise<Record<string, string> | undefined> {
  try {
    const res = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
    return Object.fromEntries((res.TagSet ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
  } catch (err) {
    if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 501 || err.name === 'NotImplemented')) return undefined;
    throw classifyS3Error(err, bucket, key);
  }
}

/**
 * Reads a whole object, refusing anything over `maxBytes`: before downloading when the length
 * says so, and while reading whatever the length said (a header is not a promise).
 */
export async function getObject(s3: S3Client, bucket: string, key: string, maxBytes: number): Promise<StoredObject> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const size = res.ContentLength ?? 0;
    if (size > maxBytes) {
      res.Body?.transformToWebStream().cancel().catch(() => undefined);
      throw new ObjectTooLargeError(size, maxBytes);
    }
    const bytes = res.Body ? await readCapped(res.Body.transformToWebStream(), maxBytes) : new Uint8Array();
    return {
      bytes,
      etag: normaliseEtag(res.ETag) ?? '',
      contentType: res.ContentType ?? 'application/octet-stream',
      size: bytes.byteLength,
    };
  } catch (err) {
    throw classifyS3Error(err, bucket, key);
  }
}

export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<number> {
  const body = Buffer.from(JSON.stringify(value));
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    return body.byteLength;
  } catch (err) {
    throw classifyS3Error(err, bucket, key);
  }
}

/** Reads and parses a JSON object, of at most `maxBytes` when given (see getObject). */
export async function getJson(s3: S3Client, bucket: string, key: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<unknown> {
  const object = await getObject(s3, bucket, key, maxBytes);
  return JSON.parse(Buffer.from(object.bytes).toString('utf8'));
}

/** Collects a body, stopping (and cancelling the download) as soon as it passes `maxBytes`. */
async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ObjectTooLargeError(total, maxBytes);
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total);
}

/** Not found and too large are facts about the object; everything else may pass, so retry. */
function classifyS3Error(err: unknown, bucket: string, key: string): Error {
  if (err instanceof ObjectTooLargeError || err instanceof ObjectNotFoundError) return err;
  if (err instanceof NoSuchKey || err instanceof NotFound) return new ObjectNotFoundError(`s3://${bucket}/${key} does not exist`);
  if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) {
    return new ObjectNotFoundError(`s3://${bucket}/${key} does not exist (${err.name})`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TransientError(`S3 request for s3://${bucket}/${key} failed: ${message}`, undefined, { cause: err });
}
