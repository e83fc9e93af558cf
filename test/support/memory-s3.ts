/** An S3 client in memory, for unit tests: the few commands the stores send (list, put, get, delete). */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';

export interface MemoryObject {
  body: Buffer;
  lastModified: Date;
}

export function createMemoryS3(now: () => Date = () => new Date()): S3Client & { objects: Map<string, MemoryObject>; put(bucket: string, key: string, body: string, lastModified?: Date): void } {
  const objects = new Map<string, MemoryObject>();
  const id = (bucket: string, key: string) => `${bucket}/${key}`;
  const put = (bucket: string, key: string, body: string | Buffer, lastModified = now()) => void objects.set(id(bucket, key), { body: Buffer.from(body), lastModified });
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof PutObjectCommand) {
      put(command.input.Bucket!, command.input.Key!, command.input.Body as Buffer);
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const object = objects.get(id(command.input.Bucket!, command.input.Key!));
      if (!object) throw new NoSuchKey({ message: 'no such key', $metadata: { httpStatusCode: 404 } });
      return { ContentLength: object.body.length, ETag: `"${md5(object.body)}"`, Body: {
          transformToByteArray: async () => new Uint8Array(object.body),
          // What lib/storage/s3.ts reads: a stream, counted as it arrives.
          transformToWebStream: () =>
            new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(new Uint8Array(object.body));
                controller.close();
              },
            }),
        },
      };
    }
    if (command instanceof DeleteObjectCommand) {
      objects.delete(id(command.input.Bucket!, command.input.Key!));
      return {};
    }
    if (command instanceof ListObjectsV2Command) {
      const prefix = `${command.input.Bucket}/${command.input.Prefix ?? ''}`;
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      // Pages of 2, so that callers' paging is exercised.
      const start = Number(command.input.ContinuationToken ?? 0);
      const page = keys.slice(start, start + 2);
      const truncated = start + 2 < keys.length;
      return {
        Contents: page.map((k) => ({ Key: k.slice(`${command.input.Bucket}/`.length), ETag: `"${md5(objects.get(k)!.body)}"`, LastModified: objects.get(k)!.lastModified })),
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: String(start + 2) } : {}),
      };
    }
    throw new Error(`memory S3 does not do ${(command as object).constructor.name}`);
  };
  return Object.assign({ send } as unknown as S3Client, { objects, put });
}

function md5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}
