/** `sluice upload`: files or folders into the bucket, keys relative to the folder given. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { normaliseEtag } from '../lib/documents/identity.js';

export interface UploadedObject {
  key: string;
  etag: string;
  bytes: number;
}

export async function listFiles(paths: readonly string[]): Promise<{ path: string; key: string }[]> {
  const files: { path: string; key: string }[] = [];
  for (const path of paths) {
    const info = await stat(path);
    if (info.isFile()) {
      files.push({ path, key: basename(path) });
      continue;
    }
    for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      files.push({ path: full, key: relative(path, full).split(sep).join('/') });
    }
  }
  return files.sort((a, b) => a.key.localeCompare(b.key));
}

export async function uploadFiles(
  s3: S3Client,
  bucket: string,
  files: readonly { path: string; key: string }[],
  options: {
    prefix?: string;
    /** User metadata (`x-amz-meta-<name>`) for every object: it goes into each point's `meta`. */
    metadata?: Readonly<Record<string, string>>;
    onProgress?: (done: number, total: number, object: UploadedObject) => void;
  } = {},
): Promise<UploadedObject[]> {
  const uploaded: UploadedObject[] = [];
  for (const file of files) {
    const key = `${options.prefix ?? ''}${file.key}`;
    const body = await readFile(file.path);
    const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(options.metadata ? { Metadata: { ...options.metadata } } : {}) }));
    const object = { key, etag: normaliseEtag(res.ETag) ?? '', bytes: body.byteLength };
    uploaded.push(object);
    options.onProgress?.(uploaded.length, files.length, object);
  }
  return uploaded;
}
