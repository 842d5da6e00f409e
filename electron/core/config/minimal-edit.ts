/**
 * The yaml Document API re-prints the whole file, which normalises spacing the user chose (padding
 * in flow lists, the gap before a comment, blank lines). To keep untouched lines byte for byte, the
 * change is computed between the re-printed original and the re-printed edit, and only that change
 * is applied to the original text: original and re-print are aligned line by line ignoring
 * whitespace, so every line the edit did not touch is copied from the original.
 */

type Op = { kind: 'keep'; a: number; b: number } | { kind: 'add'; b: number } | { kind: 'del'; a: number };

/** The most cells the line diff fills (4000 × 4000 differing lines, 64 MB, well under a second). */
const MAX_CELLS = 16_000_000;

/**
 * Line diff by longest common subsequence (after trimming the common head and tail). Lines come as
 * numbers (equal lines, equal numbers: see ids()), so each of the up to MAX_CELLS cells is one
 * integer comparison.
 */
function diff(a: Int32Array, b: Int32Array): Op[] | null {
  const eq = (x: number, y: number): boolean => x === y;
  let head = 0;
  while (head < a.length && head < b.length && eq(a[head] as number, b[head] as number)) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && eq(a[a.length - 1 - tail] as number, b[b.length - 1 - tail] as number)) tail++;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n * m > MAX_CELLS) return null;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = eq(a[head + i] as number, b[head + j] as number) ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < head; k++) ops.push({ kind: 'keep', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && eq(a[head + i] as number, b[head + j] as number)) {
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

/** Numbers the lines of each list by their key: lines with equal keys get equal numbers. */
function ids(key: (line: string) => string, ...lists: string[][]): Int32Array[] {
  const seen = new Map<string, number>();
  return lists.map((lines) => Int32Array.from(lines, (l) => {
    const k = key(l);
    let id = seen.get(k);
    if (id === undefined) seen.set(k, (id = seen.size));
    return id;
  }));
}

/**
 * Which original line each re-printed line stands for: the lines the alignment kept, and, between
 * two kept lines, as many lines removed as added (the same lines printed differently: `0xAB` as
 * `0xab`, `yes` as `true`), paired in order.
 */
function pairLines(align: Op[]): Map<number, number> {
  const origOf = new Map<number, number>();
  let dels: number[] = [];
  let adds: number[] = [];
  const pairRun = (): void => {
    if (dels.length === adds.length) adds.forEach((b, k) => origOf.set(b, dels[k] as number));
    dels = [];
    adds = [];
  };
  for (const op of align) {
    if (op.kind === 'keep') {
      pairRun();
      origOf.set(op.b, op.a);
    } else if (op.kind === 'del') dels.push(op.a);
    else adds.push(op.b);
  }
  pairRun();
  return origOf;
}

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
  const [origSquashed, repSquashed] = ids(squash, orig, rep) as [Int32Array, Int32Array];
  const [repIds, editIds] = ids((l) => l, rep, edit) as [Int32Array, Int32Array];
  const align = diff(origSquashed, repSquashed);
  const change = diff(repIds, editIds);
  if (!align || !change) return edited;
  const origOf = pairLines(align); // re-printed line → original line
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
