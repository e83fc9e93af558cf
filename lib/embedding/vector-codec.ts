/**
 * Wire format of vectors in events: little-endian IEEE-754 float32, base64. Four bytes a
 * dimension, about a third of the size of a JSON number array, and bit-exact (JSON decimal
 * round trips can drift in the last digit and cannot carry NaN or -0).
 */
import { endianness } from 'node:os';

// Every platform Node ships for today is little-endian; the swap path keeps the format fixed
// regardless, so a big-endian host would still read and write the same bytes.
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes `vector` as base64 of its little-endian float32 bytes. */
export function encodeVector(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return bytes.toString('base64');
  return Buffer.from(bytes).swap32().toString('base64');
}

/**
 * Decodes a string made by {@link encodeVector}; the result has the exact bits that were encoded.
 * @throws {TypeError} when `encoded` is not base64 or its length is not a whole number of floats.
 */
export function decodeVector(encoded: string): Float32Array {
  // Buffer.from(…, 'base64') silently skips bad characters; a corrupt vector must fail instead.
  if (!BASE64.test(encoded)) throw new TypeError('vector is not valid base64');
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length % Float32Array.BYTES_PER_ELEMENT !== 0) {
    throw new TypeError(`vector has ${bytes.length} bytes, not a multiple of 4 (float32)`);
  }
  if (!HOST_IS_LITTLE_ENDIAN) bytes.swap32();
  // Copy into a fresh, aligned buffer: decoded Buffers may sit at any offset of Node's pool.
  const vector = new Float32Array(bytes.length / Float32Array.BYTES_PER_ELEMENT);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}
