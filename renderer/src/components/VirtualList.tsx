import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement, type ReactNode } from 'react';

/** Rows drawn above and below the visible ones, so a fast scroll shows no gap. */
const OVERSCAN = 8;
/** The height assumed before the box is measured (and where layout gives none, as in jsdom). */
const FALLBACK_HEIGHT = 600;

export interface VirtualListProps<T> {
  items: readonly T[];
  /** Every row's height in pixels (fixed: that is what makes the window cheap to compute). */
  rowHeight: number;
  itemKey(item: T): string;
  renderRow(item: T, index: number): ReactNode;
  label: string;
  /** The key of the highlighted row; arrow keys move it (`onActivate` with the new key). */
  activeKey?: string | null;
  onActivate?(key: string): void;
  /** Called when the last rows come into view (load the next page). */
  onEndReached?(): void;
  className?: string;
}

/** The first and last index to draw for a scroll position. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = OVERSCAN): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

/**
 * A scrolling list that draws only the rows in view (plus a few): 10,000 rows cost what 40 do. The
 * rows sit in one spacer as tall as all of them, moved down by the offset of the first drawn row.
 */
export function VirtualList<T>({ items, rowHeight, itemKey, renderRow, label, activeKey, onActivate, onEndReached, className }: VirtualListProps<T>): ReactElement {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(FALLBACK_HEIGHT);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = (): void => setViewport(el.clientHeight || FALLBACK_HEIGHT);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const [first, last] = visibleRange(scrollTop, viewport, rowHeight, items.length);
  const endReached = useRef(onEndReached);
  endReached.current = onEndReached;
  useLayoutEffect(() => {
    if (items.length > 0 && last >= items.length - OVERSCAN) endReached.current?.();
  }, [last, items.length]);

  const move = useCallback(
    (e: KeyboardEvent<HTMLDivElement>): void => {
      if (!onActivate || items.length === 0) return;
      const at = activeKey ? items.findIndex((i) => itemKey(i) === activeKey) : -1;
      const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -items.length, End: items.length };
      const delta = step[e.key];
      if (delta === undefined) return;
      e.preventDefault();
      const next = Math.min(items.length - 1, Math.max(0, (at < 0 ? -1 : at) + delta));
      onActivate(itemKey(items[next] as T));
      const el = box.current;
      if (!el) return;
      const top = next * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
    },
    [activeKey, items, itemKey, onActivate, rowHeight],
  );

  const drawn: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i] as T;
    drawn.push(
      <div key={itemKey(item)} role="row" aria-rowindex={i + 1} aria-selected={activeKey === itemKey(item)} className="vrow">
        {renderRow(item, i)}
      </div>,
    );
  }
  return (
    <div
      ref={box}
      className={`vlist ${className ?? ''}`}
      role="grid"
      aria-label={label}
      aria-rowcount={items.length}
      tabIndex={0}
      onKeyDown={move}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="vlist-spacer" style={{ height: items.length * rowHeight }}>
        <div className="vlist-window" style={{ transform: `translateY(${first * rowHeight}px)` }} role="rowgroup">
          {drawn}
        </div>
      </div>
    </div>
  );
}
