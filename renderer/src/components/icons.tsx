import type { ReactElement } from 'react';

/** Stroke icons drawn on a 24×24 grid (no icon font, no external files). */
const PATHS = {
  python: 'M12 3c-3 0-4.5 1.2-4.5 3v2.5h4.7v.8H5.6C3.9 9.3 3 10.9 3 13s.9 3.8 2.6 3.8h1.9v-2.4c0-1.6 1.3-2.9 2.9-2.9h4.2c1.3 0 2.4-1.1 2.4-2.4V6c0-1.7-1.9-3-5-3ZM9.6 5.2a.8.8 0 1 1 0 1.6.8.8 0 0 1 0-1.6ZM12 21c3 0 4.5-1.2 4.5-3v-2.5h-4.7v-.8h6.6c1.7 0 2.6-1.6 2.6-3.7s-.9-3.8-2.6-3.8h-1.9v2.4c0 1.6-1.3 2.9-2.9 2.9H9.4C8.1 12.5 7 13.6 7 14.9V18c0 1.7 1.9 3 5 3Zm2.4-2.2a.8.8 0 1 1 0-1.6.8.8 0 0 1 0 1.6Z',
  connection: 'M4 12h3l2-5 4 10 2-5h5',
  config: 'M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0M14 4v4M8 10v4M16 16v4',
  logs: 'M5 5h14M5 10h14M5 15h9M5 20h6',
  plugins: 'M9 3v4M15 3v4M7 7h10v4a5 5 0 0 1-10 0V7ZM12 16v5',
  plus: 'M12 5v14M5 12h14',
  search: 'M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14ZM21 21l-5-5',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  cross: 'M6 6l12 12M18 6L6 18',
  warn: 'M12 4l9 16H3l9-16ZM12 10v4M12 17.5v.01',
  refresh: 'M20 11a8 8 0 0 0-14.6-4.5M4 5v4h4M4 13a8 8 0 0 0 14.6 4.5M20 19v-4h-4',
  play: 'M7 5l12 7-12 7V5Z',
  pause: 'M8 5v14M16 5v14',
  trash: 'M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13',
  bolt: 'M13 3L5 14h6l-1 7 8-11h-6l1-7Z',
  send: 'M4 12l16-8-6 16-3-7-7-1Z',
  arrowDown: 'M12 5v14M6 13l6 6 6-6',
  key: 'M8 16a4 4 0 1 1 0-8 4 4 0 0 1 0 8ZM12 12h9M18 12v3M21 12v2',
  shield: 'M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6l8-3Z',
  package: 'M12 3l8 4.5v9L12 21l-8-4.5v-9L12 3ZM4 7.5l8 4.5 8-4.5M12 12v9',
  folderPlus: 'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2.5h8.5A1.5 1.5 0 0 1 21 9v9.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5v-12ZM12 11v6M9 14h6',
  stop: 'M7 7h10v10H7V7Z',
  chevron: 'M6 9l6 6 6-6',
  inbox: 'M4 13l2.5-7.5h11L20 13v5.5a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5V13ZM4 13h4.5l1.5 2.5h4l1.5-2.5H20',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16, className }: { name: IconName; size?: number; className?: string }): ReactElement {
  return (
    <svg
      className={`icon ${className ?? ''}`}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={name === 'python' ? 1.2 : 1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
