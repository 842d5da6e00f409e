/**
 * The yaml Document API re-prints the whole file, which normalises spacing the user chose (padding
 * in flow lists, the gap before a comment, blank lines). To keep untouched lines byte for byte, the
 * change is computed between the re-printed original and the re-printed edit, and only that change
 * is applied to the original text: original and re-print are aligned line by line ignoring
 * whitespace, so every line the edit did not touch is copied from the original.
 */

type Op = { kind: 'keep'; a: number; b: number } | { kind: 'add'; b: number } | { kind: 'del'; a: number };

const MAX_CELLS = 4_000_000;

/** Line diff by longest common subsequence (after trimming the common head and tail). */
function diff(a: string[], b: string[], eq: (x: string, y: string) => boolean): Op[] | null {
  let head = 0;
  while (head < a.length && head < b.length && eq(a[head] as string, b[head] as string)) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && eq(a[a.length - 1 - tail] as string, b[b.length - 1 - tail] as string)) tail++;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n * m > MAX_CELLS) return null;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = eq(a[head + i] as string, b[head + j] as string) ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: 'keep', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && eq(a[head + i] as string, b[head + j] as string)) {
      ops.push({ kind: 'keep', a: head + i++, b: head + j++ });
    } else if (i < n && (j >= m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ kind: 'del', a: head + i++ }); // removals first, so a replaced line keeps its place
    } else {
      ops.push({ kind: 'add', b: head + j++ });
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: 'keep', a: a.length - tail + k, b: b.length - tail + k });
  return ops;
}

const squash = (s: string): string => s.replace(/\s+/g, '');

/**
 * @param original the file as the user wrote it
 * @param reprinted the original parsed and printed again, unchanged
 * @param edited the edited document, printed
 */
export function applyMinimalEdit(original: string, reprinted: string, edited: string): string {
  if (reprinted === edited) return original;
  const orig = original.split('\n');
  const rep = reprinted.split('\n');
  const edit = edited.split('\n');
  const align = diff(orig, rep, (x, y) => squash(x) === squash(y));
  const change = diff(rep, edit, (x, y) => x === y);
  if (!align || !change) return edited;
  const origOf = new Map<number, number>(); // re-printed line → original line
  for (const op of align) if (op.kind === 'keep') origOf.set(op.b, op.a);
  const matched = new Set(origOf.values());

  const out: string[] = [];
  let nextOrig = 0; // original lines before this one are emitted or dropped
  const flushUntil = (o: number): void => {
    // original lines the printer dropped (extra blank lines…) stay where they were
    for (; nextOrig < o; nextOrig++) if (!matched.has(nextOrig)) out.push(orig[nextOrig] as string);
  };
  for (const op of change) {
    if (op.kind === 'add') {
      out.push(edit[op.b] as string);
      continue;
    }
    const o = origOf.get(op.a);
    if (o === undefined) continue; // a line the printer added: not the user's, not the edit's
    flushUntil(o);
    if (op.kind === 'keep') out.push(orig[o] as string);
    nextOrig = o + 1;
  }
  flushUntil(orig.length);
  return out.join('\n');
}
