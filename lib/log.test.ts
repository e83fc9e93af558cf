import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, secretValuesOf } from './log.js';

const env = {
  RABBITMQ_URL: 'amqp://sluice:rabbit-pa55word@127.0.0.1:5672/sluice',
  AWS_ACCESS_KEY_ID: 'sluice',
  AWS_SECRET_ACCESS_KEY: 'aws-s3cr3t-value',
  QDRANT_API_KEY: 'qdrant-key-123456',
  EMBED_API_KEY: 'sk-embed-abcdef',
  LOG_LEVEL: 'info',
};

function capture(level = 'trace') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('test', { destination, env, level }), lines };
}

const SECRETS = ['rabbit-pa55word', 'aws-s3cr3t-value', 'qdrant-key-123456', 'sk-embed-abcdef', 'basic-pass-word', 'header-bearer-token'];

test('no configured secret reaches a log line, however it is logged', () => {
  const { log, lines } = capture();
  log.info({ rabbitmq: env.RABBITMQ_URL }, 'connecting');
  log.info(`connecting to ${env.RABBITMQ_URL}`);
  log.warn({ err: new Error(`cannot reach amqp://sluice:rabbit-pa55word@host: refused (key ${env.AWS_SECRET_ACCESS_KEY})`) }, 'failed');
  log.info({ headers: { authorization: 'Basic dXNlcjpiYXNpYy1wYXNzLXdvcmQ=', Authorization: 'Bearer header-bearer-token' } }, 'request');
  log.info({ config: { AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, QDRANT_API_KEY: env.QDRANT_API_KEY, apiKey: env.EMBED_API_KEY, password: 'basic-pass-word' } }, 'config');
  log.child({ url: 'http://admin:basic-pass-word@api:8184/' }).info('child bindings too');
  log.error({ nested: [{ deep: { text: `key=${env.QDRANT_API_KEY}` } }] }, `embedding API said no to ${env.EMBED_API_KEY}`);

  assert.equal(lines.length, 7);
  for (const line of lines) {
    for (const secret of SECRETS) assert.ok(!line.includes(secret), `secret ${secret} in ${line}`);
    assert.doesNotThrow(() => JSON.parse(line));
  }
  // What is not secret stays readable.
  const first = JSON.parse(lines[0]!);
  assert.equal(first.rabbitmq, 'amqp://sluice:[redacted]@127.0.0.1:5672/sluice');
  assert.equal(first.component, 'test');
  assert.match(JSON.parse(lines[2]!).err.message, /^cannot reach amqp:\/\/sluice:\[redacted\]@host: refused \(key \[redacted\]\)$/);
  assert.equal(JSON.parse(lines[4]!).config.AWS_SECRET_ACCESS_KEY, '[redacted]');
});

test('the access key id is an identifier, not a secret; short values are not censored', () => {
  assert.deepEqual(secretValuesOf(env).sort(), ['aws-s3cr3t-value', 'qdrant-key-123456', 'rabbit-pa55word', 'sk-embed-abcdef'].sort());
  assert.deepEqual(secretValuesOf({ RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1' }), [], 'a 5-character password would censor every "guest"');
  assert.deepEqual(secretValuesOf({ EMBED_MAX_TOKENS: '100000', TOKENIZER_FILE: '/app/model/tokenizer.json', SLUICE_BASIC_AUTH_PASSWORD: 'hunter22' }), ['hunter22'], 'whole words only');
});

test('LOG_LEVEL filters lines', () => {
  const { log, lines } = capture('warn');
  log.info('hidden');
  log.warn('shown');
  assert.deepEqual(lines.map((l) => JSON.parse(l).msg), ['shown']);
});
