/**
 * What S3 says about an object's current version without reading its bytes: its HEAD (ETag,
 * size, type, user metadata) and its tags. split decides from it whether anything changed;
 * index checks against it that what it writes is still current.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { getObjectTags, headObject, type ObjectHead } from './s3.js';

export interface ObjectState extends ObjectHead {
  /** The object's tags; `{}` when tags are off (S3_OBJECT_TAGS=false) or the server has none. */
  tags: Record<string, string>;
}

export interface ObjectStateOptions {
  /** Read tags (GetObjectTagging), one request more per look. */
  tags: boolean;
  /** Told once, when the server answers that it does not implement tagging. */
  onTagsUnsupported?: () => void;
}

export type ObjectStateReader = (bucket: string, key: string) => Promise<ObjectState>;

export function createObjectStateReader(s3: S3Client, options: ObjectStateOptions): ObjectStateReader {
  let tagsSupported = options.tags;
  return async (bucket, key) => {
    const head = await headObject(s3, bucket, key);
    if (!tagsSupported) return { ...head, tags: {} };
    const tags = await getObjectTags(s3, bucket, key);
    if (tags === undefined) {
      // Asked again after every restart: a server upgrade may bring tagging.
      tagsSupported = false;
      options.onTagsUnsupported?.();
    }
    return { ...head, tags: tags ?? {} };
  };
}
