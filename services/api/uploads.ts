/**
 * Uploads from the console: the API checks what a browser wants to put where, then hands it a
 * presigned S3 PUT URL for exactly that (bucket, key, size, content type), so the bytes go
 * straight to S3 and never through the API. The signature covers `content-length` and
 * `content-type`: S3 refuses a body of another size, so MAX_OBJECT_BYTES holds at the upload too.
 *
 * The URL is signed for the address browsers reach S3 at (S3_PUBLIC_ENDPOINT), which is also what
 * the page's CSP lets it connect to; SeaweedFS answers the browser's CORS preflight from its
 * `-s3.allowedOrigins` (stack/seaweedfs.sh sets the console's origin).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import { ObjectKey } from '../../lib/events/schemas.js';

/** What the page asks for, one file at a time. */
export const UploadRequest = z.object({
  key: ObjectKey,
  /** Bytes the browser will send (File.size). */
  size: z.number({ message: 'size (bytes) is required' }).int('size must be an integer').nonnegative('size must be >= 0'),
  /** File.type, or application/octet-stream when the browser does not know. */
  contentType: z
    .string()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+(?:\s*;\s*[\w.+-]+=[\w.+-]+)*$/, 'contentType must be a media type such as text/plain')
    .default('application/octet-stream'),
  bucket: z.string().optional(),
});
export type UploadRequest = z.infer<typeof UploadRequest>;

export interface UploadGrant {
  bucket: string;
  key: string;
  method: 'PUT';
  url: string;
  /** Send exactly these headers with the PUT (they are signed). */
  headers: Record<string, string>;
  expiresAt: string;
}

/** The key is the client's fault: 400, with the reason. */
export class UploadRefusedError extends Error {
  override readonly name = 'UploadRefusedError';
}

export interface UploadSigner {
  /** The origin browsers upload to (for the page's connect-src). */
  readonly origin: string;
  sign(request: UploadRequest): Promise<UploadGrant>;
}

export interface UploadSignerOptions {
  /** A client for the public endpoint, with checksums only when required (no checksum of an empty body signed in). */
  s3: S3Client;
  /** The endpoint that client signs for (S3_PUBLIC_ENDPOINT or S3_ENDPOINT). */
  endpoint: string;
  buckets: readonly string[];
  maxObjectBytes: number;
  ttlSeconds: number;
  now?: () => Date;
}

/**
 * Why a key may not be uploaded from the page, or undefined. Keys become paths in the console's
 * links and in `sluice` commands: no leading slash, no empty, `.` or `..` segment, no control
 * characters or backslashes.
 */
export function uploadKeyProblem(key: string): string | undefined {
  if (key.startsWith('/')) return 'a key may not start with /';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'a key may not contain control characters or backslashes';
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'a key may not have an empty, . or .. segment';
  return undefined;
}

export function createUploadSigner(options: UploadSignerOptions): UploadSigner {
  const now = options.now ?? (() => new Date());
  return {
    origin: new URL(options.endpoint).origin,
    async sign(request) {
      const bucket = request.bucket ?? options.buckets[0]!;
      if (!options.buckets.includes(bucket)) throw new UploadRefusedError(`bucket ${bucket} is not a configured bucket`);
      const problem = uploadKeyProblem(request.key);
      if (problem) throw new UploadRefusedError(problem);
      if (request.size > options.maxObjectBytes) {
        throw new UploadRefusedError(`${request.key} is ${request.size} bytes, over the limit of ${options.maxObjectBytes} bytes (MAX_OBJECT_BYTES)`);
      }
      const command = new PutObjectCommand({ Bucket: bucket, Key: request.key, ContentLength: request.size, ContentType: request.contentType });
      const url = await getSignedUrl(options.s3, command, { expiresIn: options.ttlSeconds, signableHeaders: new Set(['content-type', 'content-length']), signingDate: now() });
      return {
        bucket,
        key: request.key,
        method: 'PUT',
        url,
        // The browser sets Content-Length itself (a forbidden header name): the file's size.
        headers: { 'content-type': request.contentType },
        expiresAt: new Date(now().getTime() + options.ttlSeconds * 1000).toISOString(),
      };
    },
  };
}
