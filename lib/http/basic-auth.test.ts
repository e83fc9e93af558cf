import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { BasicAuthConfigError, basicAuthHeader, createBasicAuth, firstCredential, parseBasicAuthUsers } from './basic-auth.js';

describe('parseBasicAuthUsers', () => {
  it('is off (undefined) for an empty or blank value', () => {
    assert.equal(parseBasicAuthUsers(''), undefined);
    assert.equal(parseBasicAuthUsers(undefined), undefined);
    assert.equal(parseBasicAuthUsers(' , '), undefined);
  });

  it('reads comma-separated pairs; a password may contain colons', () => {
    assert.deepEqual(parseBasicAuthUsers('alice:s3cret, bob:a:b:c'), { alice: 's3cret', bob: 'a:b:c' });
  });

  it('refuses a pair without user or password', () => {
    for (const bad of ['alice', ':pw', 'alice:', 'ok:pw,broken']) assert.throws(() => parseBasicAuthUsers(bad), BasicAuthConfigError, bad);
  });

  it('firstCredential is the first pair', () => {
    assert.deepEqual(firstCredential('alice:one,bob:two'), { user: 'alice', password: 'one' });
    assert.equal(firstCredential(''), undefined);
  });
});

describe('createBasicAuth', () => {
  let server: Server;
  let open: Server;
  let url: string;
  let openUrl: string;
  const serve = async (users: Parameters<typeof createBasicAuth>[0]) => {
    const app = express();
    app.use(createBasicAuth(users));
    app.get('/x', (_req, res) => void res.send('inside'));
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    return { s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/x` };
  };
  before(async () => {
    ({ s: server, url } = await serve(parseBasicAuthUsers('alice:s3cret,bob:pa:ss')));
    ({ s: open, url: openUrl } = await serve(undefined));
  });
  after(() => {
    server.close();
    open.close();
  });

  it('answers 401 with a challenge without credentials', async () => {
    const res = await fetch(url);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="sluice"');
    assert.deepEqual(await res.json(), { error: 'credentials required (HTTP basic auth)' });
  });

  it('answers 401 for a wrong password or unknown user', async () => {
    for (const credential of [{ user: 'alice', password: 'wrong' }, { user: 'carol', password: 's3cret' }, { user: 'alice', password: 's3cret ' }]) {
      const res = await fetch(url, { headers: { authorization: basicAuthHeader(credential) } });
      assert.equal(res.status, 401, JSON.stringify(credential));
      assert.deepEqual(await res.json(), { error: 'invalid credentials' });
    }
  });

  it('lets every configured user through', async () => {
    for (const credential of [{ user: 'alice', password: 's3cret' }, { user: 'bob', password: 'pa:ss' }]) {
      const res = await fetch(url, { headers: { authorization: basicAuthHeader(credential) } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'inside');
    }
  });

  it('passes everything through when no users are configured', async () => {
    assert.equal((await fetch(openUrl)).status, 200);
  });
});
