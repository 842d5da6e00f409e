/**
 * Bad configs are errors with lines, never exceptions (issue 12, B1 and B2; issue 11, the YAML
 * error lines): alias bombs, duplicate keys at scale, files over the size cap, too many nodes.
 */
import { describe, expect, it } from 'vitest';
import { issueToString, MAX_ALIASES, MAX_CONFIG_BYTES, MAX_NODES, parseConfig } from '../../electron/core/config/validate.js';

const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  '',
].join('\n');

describe('YAML error lines', () => {
  it('name the line of an unterminated flow list or quote, not the line after it', () => {
    expect(parseConfig('server:\n  port: 1\nplugins: { dirs: [a, b }\n').errors[0]?.line).toBe(3);
    expect(parseConfig('a: 1\nb: [\n').errors[0]?.line).toBe(2);
    expect(parseConfig('a: 1\nb: [1, 2\n\nc: 3\n').errors[0]?.line).toBe(2);
    expect(parseConfig('a: 1\nb: "x\nc: 3\n').errors[0]?.line).toBe(2);
    expect(parseConfig('a: 1\nb: {x: 1\n').errors[0]?.line).toBe(2);
  });

  it('still name the line of an error that is on its own line', () => {
    expect(parseConfig('a: 1\nb: 2\nz: @bad\n').errors[0]?.line).toBe(3);
    expect(parseConfig('a: 1\nb: 2\n\tc: 3\n').errors[0]?.line).toBe(3);
  });
});

describe('config limits', () => {
  it('B1: an alias bomb is invalid with the reason and a line, not an exception', () => {
    const r = parseConfig(BOMB);
    expect(r.errors).toHaveLength(1);
    expect(issueToString(r.errors[0]!)).toMatch(new RegExp(`more than ${MAX_ALIASES} alias expansions.*\\(line 2\\)`));
  });

  it('B1: an alias to an anchor that does not exist is an error with its line', () => {
    const r = parseConfig('server:\n  port: *nope\n');
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]?.line).toBe(2);
  });

  it('a few aliases are fine', () => {
    const r = parseConfig('x: &p [grpcio]\npython:\n  interpreters:\n    a: { path: /a, required_packages: *p }\n    b: { path: /b, required_packages: *p }\n');
    expect(r.errors).toEqual([]);
    expect(r.data.python?.interpreters?.['b']?.required_packages).toEqual(['grpcio']);
  });

  it('B2: duplicate keys are found in linear time, each with its line', () => {
    expect(parseConfig('a: 1\nb: 2\nb: 3\n').errors.map(issueToString)).toEqual(["(yaml): duplicate key 'b' (map keys must be unique) (line 3)"]);
    const lines = ['extra:'];
    for (let i = 0; i < MAX_NODES / 2 - 10; i++) lines.push(`  k${i}: 1`);
    lines.push('  k7: 2');
    const r = parseConfig(`${lines.join('\n')}\n`);
    expect(r.errors.map((e) => e.line)).toEqual([lines.length]);
  });

  it('B2: a file over the size cap is invalid without being parsed', () => {
    const text = `extra: "${'x'.repeat(MAX_CONFIG_BYTES)}"\n`;
    const r = parseConfig(text);
    expect(r.errors).toEqual([{ path: '(file)', message: expect.stringMatching(/at most 1048576 bytes \(1 MiB\)/), line: null }]);
  });

  it('B2: more nodes than a config can sensibly hold is invalid', () => {
    const lines = ['extra:'];
    for (let i = 0; i < MAX_NODES; i++) lines.push(`  k${i}: 1`);
    const r = parseConfig(`${lines.join('\n')}\n`);
    expect(r.errors[0]?.message).toMatch(new RegExp(`more than ${MAX_NODES} keys and values`));
  });

  it('deep nesting is an error, not a crash', () => {
    const n = 20_000;
    const r = parseConfig(`extra: ${'['.repeat(n)}${']'.repeat(n)}\n`);
    expect(r.errors.length).toBeGreaterThan(0);
  });
});

describe('nesting pre-scan', () => {
  it('refuses flow collections nested too deeply, with the line, and ignores brackets in quotes and comments', () => {
    const deep = `a: 1\nb: it's fine\nextra: ${'['.repeat(100)}${']'.repeat(100)}\n`;
    expect(parseConfig(deep).errors.map(issueToString)).toEqual(['(yaml): lists or maps nested more than 64 levels deep (line 3)']);
    const quoted = `a: "${'['.repeat(100)}"\nb: '${'{'.repeat(100)}'\n# ${'['.repeat(100)}\n`;
    expect(parseConfig(quoted).errors).toEqual([]);
  });

  it('is not fooled by a quote inside a block scalar (the nesting after it is counted)', () => {
    const n = 8185;
    const text = `a: |\n  "\nb: ${'['.repeat(n)}${']'.repeat(n)}\n`;
    expect(parseConfig(text).errors.map(issueToString)).toEqual(['(yaml): lists or maps nested more than 64 levels deep (line 3)']);
    const folded = `a: >-\n  it's "quoted\n  [[\nb: [${'['.repeat(70)}${']'.repeat(70)}]\n`;
    expect(parseConfig(folded).errors[0]?.line).toBe(4);
  });

  it('counts keys and values before parsing, so the reason does not depend on the time a parse takes', () => {
    const lines = ['extra:'];
    for (let i = 0; i < MAX_NODES; i++) lines.push(`  "k${i}": v`);
    expect(parseConfig(`${lines.join('\n')}\n`).errors[0]?.message).toMatch(new RegExp(`more than ${MAX_NODES} keys and values`));
    const block = ['extra:', ...Array.from({ length: MAX_NODES / 2 - 10 }, (_, i) => `  k${i}: |\n    [text "${i}`)];
    expect(parseConfig(`${block.join('\n')}\n`).errors).toEqual([]);
  });
});
