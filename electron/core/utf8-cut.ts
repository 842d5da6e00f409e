/** Cutting text to a number of UTF-8 bytes, never inside a character: the one implementation. */

/** The longest start of `text` within `maxBytes` UTF-8 bytes, as a fresh string. */
export function cutUtf8(text: string, maxBytes: number): string {
  // a UTF-8 character never takes fewer bytes than UTF-16 code units, so `maxBytes` units are enough
  const units = text.slice(0, maxBytes);
  let head = Buffer.from(units, 'utf8').subarray(0, maxBytes).toString('utf8');
  if (head.endsWith('\uFFFD') && !units.endsWith('\uFFFD')) head = head.slice(0, -1); // a split character
  return head;
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes with `mark(originalSize)` appended, unchanged when it
 * fits. The result is a fresh string, so a cut line does not keep its long original alive.
 */
export function truncateUtf8(text: string, maxBytes: number, mark: (size: number) => string, originalBytes?: number): string {
  if (originalBytes === undefined && text.length * 3 <= maxBytes) return text; // fits whatever the characters
  const size = originalBytes ?? Buffer.byteLength(text, 'utf8');
  if (size <= maxBytes) return text;
  const suffix = mark(size);
  return cutUtf8(text, Math.max(0, maxBytes - Buffer.byteLength(suffix))) + suffix;
}
