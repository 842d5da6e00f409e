/**
 * Reading pip's and uv's output: which phase a line announces, the percentage of progress lines
 * (`Progress 1234 of 5678` from `pip --progress-bar raw`), and the error lines worth showing.
 */
import type { JobPhase } from '../../../shared/dto/jobs.js';

export interface LineInfo {
  phase?: JobPhase;
  /** A percentage (0-100), or null when a new download starts without one yet. */
  percent?: number | null;
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** A tool line as shown in a job: escape sequences gone, trailing blanks trimmed, length capped. */
export function cleanLine(raw: string, max = 2000): string {
  const text = raw.replace(ANSI, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trimEnd();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const PROGRESS = /^Progress (\d+) of (\d+)\s*$/;

/** What a line of `pip install`, `uv pip install`, `python -m venv` or `uv venv` says about progress. */
export function classifyLine(line: string): LineInfo {
  const text = line.trim();
  const progress = PROGRESS.exec(text);
  if (progress) {
    const done = Number(progress[1]);
    const total = Number(progress[2]);
    return { phase: 'downloading', percent: total > 0 ? Math.min(100, Math.round((done / total) * 1000) / 10) : null };
  }
  // pip
  if (/^(Looking in (indexes|links)|Collecting |Requirement already satisfied|Processing |Obtaining )/.test(text)) return { phase: 'resolving' };
  if (/^(Downloading |Using cached )/.test(text)) return { phase: 'downloading', percent: null };
  if (/^(Installing collected packages|Successfully installed|Attempting uninstall)/.test(text)) return { phase: 'installing', percent: null };
  // uv
  if (/^(Using Python .* environment at|Resolved \d+ packages?)/.test(text)) return { phase: 'resolving' };
  if (/^(Downloading |Downloaded |Prepared \d+ packages?)/.test(text)) return { phase: 'downloading' };
  if (/^(Installed \d+ packages?|Uninstalled \d+ packages?|Creating virtual environment)/.test(text)) return { phase: 'installing', percent: null };
  return {};
}

/** The lines that explain a failure: pip's `ERROR:`, uv's `error:`/`×`/`Caused by:`, Python's last traceback line. */
export function errorSummary(lines: readonly string[], maxLines = 4): string | null {
  const picked: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    if (/^(ERROR|error|×|Caused by|╰─▶|hint)[: ]/.test(t) || /^[A-Za-z_.]*(Error|Exception): /.test(t)) {
      if (!picked.includes(t)) picked.push(t);
    }
  }
  if (picked.length > 0) return picked.slice(0, maxLines).join(' ');
  const last = [...lines].reverse().find((l) => l.trim() !== '');
  return last?.trim() ?? null;
}
