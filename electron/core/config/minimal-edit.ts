/**
 * The yaml Document API re-prints the whole file, which normalises spacing the user chose (padding
 * in flow lists, the gap before a comment). To keep untouched lines byte for byte, the change is
 * computed between the re-printed original and the re-printed edit, and only that change is applied
 * to the original text. When the re-printed original does not line up with the original (the printer
 * moved lines), the re-printed edit is used as it is.
 */

function splitLines(text: string): string[] {
  return text.split('\n');
}

type Op = { kind: 'keep'; a: number } | { kind: 'add'; line: string };

/** Line diff by longest common subsequence, after trimming the common head and tail. */
function diffLines(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const n = am.length;
  const m = bm.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const next = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = am[i] === bm[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
    }
  }
  const ops: Op[] = [];
  for (let i = 0; i < head; i++) ops.push({ kind: 'keep', a: i });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      ops.push({ kind: 'keep', a: head + i });
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0))) {
      ops.push({ kind: 'add', line: bm[j] as string });
      j++;
    } else {
      i++; // line removed
    }
  }
  for (let k = 0; k < tail; k++) ops.push({ kind: 'keep', a: a.length - tail + k });
  return ops;
}

/**
 * @param original the file as the user wrote it
 * @param reprinted the original parsed and printed again, unchanged
 * @param edited the edited document, printed
 */
export function applyMinimalEdit(original: string, reprinted: string, edited: string): string {
  if (reprinted === edited) return original;
  const orig = splitLines(original);
  const before = splitLines(reprinted);
  if (orig.length !== before.length) return edited;
  const ops = diffLines(before, splitLines(edited));
  return ops.map((op) => (op.kind === 'keep' ? (orig[op.a] as string) : op.line)).join('\n');
}
