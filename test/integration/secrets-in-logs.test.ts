/**
 * Runs last in the integration suite (package.json puts it at the end): after every other test
 * has driven the stack — uploads, failures, dead letters, restarts, hostile files — no configured
 * secret may appear in any component's log, in a status record's error, or in a stored dead letter.
 * test/stack.env gives the stack distinctive secrets (an S3 secret key, a RabbitMQ password) so
 * that a leak cannot hide behind a common word such as `guest`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, config } from '../support/stack.js';

function configuredSecrets(): Map<string, string> {
  const secrets = new Map<string, string>();
  const add = (name: string, value: string | undefined) => {
    // Short values (`guest`, empty) would match ordinary words; the test stack's are long.
    if (value && value.length >= 8) secrets.set(name, value);
  };
  add('AWS_SECRET_ACCESS_KEY', config.AWS_SECRET_ACCESS_KEY);
  add('RABBITMQ_URL password', decodeURIComponent(new URL(process.env.RABBITMQ_URL ?? 'amqp://x').password));
  add('QDRANT_API_KEY', config.QDRANT_API_KEY);
  add('EMBED_API_KEY', process.env.EMBED_API_KEY);
  for (const pair of (config.SLUICE_BASIC_AUTH ?? '').split(',')) add('SLUICE_BASIC_AUTH password', pair.slice(pair.indexOf(':') + 1));
  // The local issuer's signing key and every component's client secret (lib/auth).
  const oidc = join(process.env.SLUICE_DATA_DIR ?? '.sluice', 'oidc');
  add('OIDC signing key', (JSON.parse(readFileSync(join(oidc, 'signing-key.jwk.json'), 'utf8')) as { d?: string }).d);
  for (const file of readdirSync(join(oidc, 'clients'))) add(`OIDC client secret ${file}`, readFileSync(join(oidc, 'clients', file), 'utf8').trim());
  return secrets;
}

function leaks(text: string, where: string, secrets: Map<string, string>): string[] {
  return [...secrets].filter(([, value]) => text.includes(value)).map(([name]) => `${name} in ${where}`);
}

test('no configured secret appears in the logs, status records or dead letters of the whole run', async () => {
  const secrets = configuredSecrets();
  assert.ok(secrets.has('AWS_SECRET_ACCESS_KEY') && secrets.has('RABBITMQ_URL password'), 'test/stack.env must configure distinctive secrets');
  const logDir = process.env.SLUICE_LOG_DIR;
  assert.ok(logDir, 'run through test/run.sh (SLUICE_LOG_DIR names the stack logs)');

  const found: string[] = [];
  const logs = readdirSync(logDir).filter((f) => f.endsWith('.log'));
  assert.ok(logs.length >= 6, `expected the logs of every component in ${logDir}, found ${logs.join(', ')}`);
  let bytes = 0;
  for (const file of logs) {
    const text = readFileSync(join(logDir, file), 'utf8');
    bytes += text.length;
    found.push(...leaks(text, file, secrets));
  }
  assert.ok(bytes > 100_000, `the logs of a full run are larger than ${bytes} bytes: did the suite run before this test?`);

  const records = await api.statuses();
  found.push(...leaks(JSON.stringify(records), 'status records', secrets));
  found.push(...leaks(JSON.stringify(await api.deadLetters()), 'dead letters', secrets));

  assert.deepEqual(found, []);
});
