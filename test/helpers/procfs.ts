/** Linux /proc readers for tests: process trees, command lines, environments, listening sockets. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, promises as fs } from 'node:fs';

export const HAS_PROC = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(after[1]);
  } catch {
    return null;
  }
}

/** `pid` and all its living descendants. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pp = parentOf(Number(name));
    if (pp !== null) parents.set(Number(name), pp);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const [child, parent] of parents) if (parent === out[i] && !out.includes(child)) out.push(child);
  }
  return out;
}

/** The NUL-separated arguments of a process ([] when it is gone). */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
  } catch {
    return [];
  }
}

/** The environment a process was started with ({} when it is gone or unreadable). */
export function environ(pid: number): Record<string, string> {
  try {
    const out: Record<string, string> = {};
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return out;
  } catch {
    return {};
  }
}

/** Inodes of the sockets a process holds open. */
export function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

export interface TcpListener {
  family: 4 | 6;
  address: string;
  port: number;
  inode: string;
}

function hexToIpv4(hex: string): string {
  // little-endian 32-bit word
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function hexToIpv6(hex: string): string {
  // four little-endian 32-bit words
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  const zeros = (n: number): boolean => groups.slice(0, n).every((g) => g === 0);
  if (zeros(8)) return '::';
  if (zeros(7) && groups[7] === 1) return '::1';
  if (zeros(5) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;
  return groups.map((g) => g.toString(16)).join(':');
}

/** Every TCP socket in LISTEN state (from /proc/net/tcp and tcp6). */
export function tcpListeners(): TcpListener[] {
  const out: TcpListener[] = [];
  for (const [file, family] of [['/proc/net/tcp', 4], ['/proc/net/tcp6', 6]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const [addrHex, portHex] = (cols[1] as string).split(':') as [string, string];
      out.push({ family, address: family === 4 ? hexToIpv4(addrHex) : hexToIpv6(addrHex), port: parseInt(portHex, 16), inode: cols[9] as string });
    }
  }
  return out;
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}
