/**
 * Sortable delivery ids in the ULID layout: 10 characters of Crockford base32 for the millisecond
 * time, then 16 for 80 random bits. Within one millisecond (or when the clock steps back) the random
 * part is incremented instead of redrawn, so ids made by one generator always increase.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 80 bits as 16 base32 digits (5 bits each), most significant first. */
function encodeRandom(digits: number[]): string {
  let out = '';
  for (const d of digits) out += ALPHABET[d];
  return out;
}

/** Adds one to the 80-bit number; false when it overflowed (then the caller waits for the next ms). */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    const d = digits[i] ?? 0;
    if (d < 31) {
      digits[i] = d + 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

export class IdGenerator {
  private lastMs = -1;
  private digits: number[] = [];
  /** Random bytes drawn 4 KiB at a time: one call into the CSPRNG per 256 ids, not one per id. */
  private readonly random = Buffer.alloc(4096);
  private used = this.random.length;

  constructor(private readonly nowMs: () => number = Date.now) {}

  next(): string {
    let ms = this.nowMs();
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      if (!increment(this.digits)) {
        ms = this.lastMs + 1;
        this.digits = this.randomDigits();
      }
    } else {
      this.digits = this.randomDigits();
    }
    this.lastMs = ms;
    return encodeTime(ms) + encodeRandom(this.digits);
  }

  /** 80 random bits as 16 base32 digits. */
  private randomDigits(): number[] {
    if (this.used + 16 > this.random.length) {
      randomFillSync(this.random);
      this.used = 0;
    }
    const digits = new Array<number>(16);
    for (let i = 0; i < 16; i++) digits[i] = (this.random[this.used + i] ?? 0) % 32;
    this.used += 16;
    return digits;
  }
}

/** The millisecond time an id was made at (its first 10 characters). */
export function idTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}

/** The smallest id of a millisecond: ids at or after `ms` compare >= this. */
export function idFloor(ms: number): string {
  return encodeTime(Math.max(0, Math.floor(ms))) + '0'.repeat(16);
}
