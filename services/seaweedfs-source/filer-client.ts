/**
 * gRPC client for the few SeaweedFS filer RPCs the source needs: the SubscribeMetadata stream
 * (every metadata change the filer records, replayable from a timestamp) and the filer's
 * key-value store (KvGet / KvPut), where the source keeps its checkpoint.
 *
 * The message shapes below follow our minimal filer.proto (snake_case, as loaded with
 * keepCase). int64 values arrive as decimal strings: `ts_ns` exceeds 2^53.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface FileChunk {
  file_id?: string;
  offset?: string | number;
  size?: string | number;
  modified_ts_ns?: string | number;
  e_tag?: string;
}

export interface FuseAttributes {
  file_size?: string | number;
  mtime?: string | number;
  file_mode?: number;
  crtime?: string | number;
  mime?: string;
  md5?: Uint8Array;
}

export interface FilerEntry {
  name?: string;
  is_directory?: boolean;
  chunks?: FileChunk[];
  attributes?: FuseAttributes | null;
  extended?: Record<string, Uint8Array>;
  content?: Uint8Array;
}

export interface EventNotification {
  old_entry?: FilerEntry | null;
  new_entry?: FilerEntry | null;
  delete_chunks?: boolean;
  new_parent_path?: string;
  is_from_other_cluster?: boolean;
  signatures?: number[];
}

export interface SubscribeMetadataResponse {
  directory?: string;
  event_notification?: EventNotification | null;
  /** Decimal string (int64). */
  ts_ns?: string | number;
}

export interface SubscribeOptions {
  clientName: string;
  /** Resume strictly after this timestamp (ns, decimal string); "0" replays the whole log. */
  sinceNs: string;
  /** Paths to watch (prefix match on the full path, e.g. `/buckets/documents/`). */
  pathPrefixes: string[];
  /**
   * Non-zero subscriber id, random per process. The filer ends a stream whose (id, epoch) it no
   * longer knows after its first in-memory read, so an id of 0 gets disconnected at once.
   */
  clientId: number;
  /** Grows with every resubscription of the same client id (a lower or equal one is a duplicate). */
  clientEpoch: number;
}

/** One server-streaming subscription; `cancel()` ends it (the stream then emits an error/end). */
export type MetadataStream = grpc.ClientReadableStream<SubscribeMetadataResponse>;

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  arrays: true,
  objects: false,
  oneofs: false,
};

/**
 * The .proto ships next to this module in the source tree; a compiled copy under dist/ looks
 * in the source tree too. `override` (SEAWEEDFS_FILER_PROTO, for container images) wins over both.
 */
export function resolveProtoPath(override?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    override,
    join(here, 'filer.proto'),
    resolve(here, '../../../services/seaweedfs-source/filer.proto'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  for (const p of candidates) if (existsSync(p)) return p;
  throw new Error(`filer.proto not found (looked in ${candidates.join(', ')})`);
}

type UnaryFn<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

interface SeaweedFilerStub extends grpc.Client {
  SubscribeMetadata(req: object, metadata: grpc.Metadata, options?: grpc.CallOptions): MetadataStream;
  KvGet: UnaryFn<{ key: Buffer }, { value?: Buffer; error?: string }>;
  KvPut: UnaryFn<{ key: Buffer; value: Buffer }, { error?: string }>;
}

let cachedCtor: (new (address: string, credentials: grpc.ChannelCredentials, options?: object) => SeaweedFilerStub) | undefined;

function stubConstructor(protoPath: string | undefined) {
  if (!cachedCtor) {
    const definition = protoLoader.loadSync(resolveProtoPath(protoPath), LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      filer_pb: { SeaweedFiler: typeof cachedCtor };
    };
    cachedCtor = pkg.filer_pb.SeaweedFiler;
  }
  return cachedCtor!;
}

export class FilerClient {
  private readonly stub: SeaweedFilerStub;

  constructor(
    /** host:port of the filer's gRPC listener (HTTP port + 10000, 18888 by default). */
    readonly address: string,
    private readonly requestTimeoutMs = 10_000,
    /** The filer's .proto (SEAWEEDFS_FILER_PROTO); default: found next to this module. */
    protoPath?: string,
  ) {
    const Ctor = stubConstructor(protoPath);
    this.stub = new Ctor(address, grpc.credentials.createInsecure(), {
      // Keep the long-lived subscription alive through idle periods and notice dead peers.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      // A catch-up replay can carry entries with many chunks.
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  subscribe(opts: SubscribeOptions): MetadataStream {
    const [first, ...rest] = opts.pathPrefixes;
    if (first === undefined) throw new Error('subscribe needs at least one path prefix');
    return this.stub.SubscribeMetadata(
      {
        client_name: opts.clientName,
        // The filer ORs path_prefix with path_prefixes; an empty path_prefix would match all.
        path_prefix: first,
        path_prefixes: rest,
        since_ns: opts.sinceNs,
        client_id: opts.clientId,
        client_epoch: opts.clientEpoch,
      },
      new grpc.Metadata(),
    );
  }

  /** The value stored under `key`, or undefined when there is none. */
  async kvGet(key: string): Promise<Buffer | undefined> {
    const res = await this.unary(this.stub.KvGet.bind(this.stub), { key: Buffer.from(key, 'utf8') });
    if (res.error) throw new Error(`filer KvGet ${key}: ${res.error}`);
    return res.value && res.value.length > 0 ? Buffer.from(res.value) : undefined;
  }

  /** Stores `value` under `key` (an empty value deletes the key). */
  async kvPut(key: string, value: Buffer): Promise<void> {
    const res = await this.unary(this.stub.KvPut.bind(this.stub), { key: Buffer.from(key, 'utf8'), value });
    if (res.error) throw new Error(`filer KvPut ${key}: ${res.error}`);
  }

  /** Resolves once the channel is connected (or rejects after `timeoutMs`). */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolveReady, reject) => {
      this.stub.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolveReady()));
    });
  }

  close(): void {
    this.stub.close();
  }

  private unary<Req, Res>(fn: UnaryFn<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolveCall, reject) => {
      fn(req, new grpc.Metadata(), { deadline: Date.now() + this.requestTimeoutMs }, (err, res) => {
        if (err) reject(err);
        else resolveCall(res ?? ({} as Res));
      });
    });
  }
}
