import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeVector, encodeVector } from './vector-codec.js';

/** Compares raw bytes, so NaN payloads and the sign of zero count too. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('vector codec', () => {
  it('encodes little-endian float32 as base64', () => {
    // 1.0f = 0x3F800000 -> bytes 00 00 80 3F; -2.0f = 0xC0000000 -> 00 00 00 C0.
    assert.equal(encodeVector(Float32Array.of(1, -2)), Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]).toString('base64'));
    assert.equal(encodeVector(new Float32Array(0)), '');
  });

  it('round-trips special values bit for bit', () => {
    const specials = Float32Array.of(0, -0, Infinity, -Infinity, NaN, 1.4e-45, 3.4028234663852886e38, -1.1754943508222875e-38, Math.PI);
    const decoded = decodeVector(encodeVector(specials));
    assert.ok(sameBits(decoded, specials));
    assert.ok(Object.is(decoded[1], -0));
  });

  it('round-trips any float32 vector exactly', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 1024 }), (vector) => sameBits(decodeVector(encodeVector(vector)), vector)),
      { numRuns: 300 },
    );
  });

  it('encodes a view into a larger buffer without its neighbours', () => {
    const backing = Float32Array.of(9, 1, 2, 3, 9);
    const view = backing.subarray(1, 4);
    assert.deepEqual([...decodeVector(encodeVector(view))], [1, 2, 3]);
  });

  it('returns an aligned, independent Float32Array', () => {
    const decoded = decodeVector(encodeVector(Float32Array.of(1, 2, 3)));
    assert.equal(decoded.byteOffset, 0);
    assert.equal(decoded.buffer.byteLength, 12);
  });

  it('rejects strings that are not base64 of whole floats', () => {
    assert.throws(() => decodeVector('not base64!'), TypeError);
    assert.throws(() => decodeVector('AAAA'), /multiple of 4/); // 3 bytes
    assert.throws(() => decodeVector('AAAAAA'), TypeError); // unpadded
  });
});
