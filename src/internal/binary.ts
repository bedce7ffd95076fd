/**
 * Checks for binary values that also work across realms (iframes, workerd isolates, Node `vm`),
 * where `instanceof ArrayBuffer` is false for a buffer made in another realm.
 */

/** Tells whether `value` is an `ArrayBuffer`, from this realm or another. */
export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/** Tells whether `value` is a `Blob` (a `File` included), from this realm or another. */
export function isBlob(value: unknown): value is Blob {
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Blob]' || tag === '[object File]';
}

/** Tells whether `value` is bytes: an `ArrayBuffer`, a typed array, a `DataView` or a `Blob`. */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView | Blob {
  return isArrayBuffer(value) || ArrayBuffer.isView(value) || isBlob(value);
}

/**
 * Return the bytes of an `ArrayBuffer` or a view as an `ArrayBuffer` of exactly those bytes: the
 * buffer itself, or a copy of the viewed range.
 */
export function toArrayBuffer(data: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  if (isArrayBuffer(data)) return data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
}
