/** Command lines, requirement checks, the tools' environment and output parsing of provisioning. */
import { describe, expect, it } from 'vitest';
import { toolEnvironment } from '../../electron/core/provisioning/common.js';
import { checkRequirements, pipInstallArgv, uvPipInstallArgv, verifiableName } from '../../electron/core/provisioning/install.js';
import { LineReader } from '../../electron/core/process/lines.js';
import { classifyLine, cleanLine, errorSummary } from '../../electron/core/provisioning/progress.js';
import { pipVersionAtLeast } from '../../electron/core/provisioning/probe.js';
import { venvArgv, venvPython } from '../../electron/core/provisioning/venv.js';
import { AppError } from '../../electron/core/app-error.js';

describe('install command lines', () => {
  it('runs pip as a module of the interpreter, requirements last, no index options', () => {
    expect(pipInstallArgv('/v/bin/python', ['grpcio>=1.60', 'protobuf'], { breakSystemPackages: false })).toEqual([
      '/v/bin/python', '-m', 'pip', 'install', 'grpcio>=1.60', 'protobuf',
    ]);
  });

  it('adds --break-system-packages and --progress-bar raw only when asked', () => {
    expect(pipInstallArgv('/usr/bin/python3', ['x'], { breakSystemPackages: true, progressRaw: true })).toEqual([
      '/usr/bin/python3', '-m', 'pip', 'install', '--break-system-packages', '--progress-bar', 'raw', 'x',
    ]);
  });

  it('runs uv pip install with --python pointing at the interpreter', () => {
    expect(uvPipInstallArgv('/home/u/.local/bin/uv', '/v/bin/python', ['requests[socks]'], { breakSystemPackages: false })).toEqual([
      '/home/u/.local/bin/uv', 'pip', 'install', '--python', '/v/bin/python', 'requests[socks]',
    ]);
    expect(uvPipInstallArgv('uv', 'C:\\Py\\python.exe', ['x'], { breakSystemPackages: true })).toEqual([
      'uv', 'pip', 'install', '--python', 'C:\\Py\\python.exe', '--break-system-packages', 'x',
    ]);
    const argv = uvPipInstallArgv('uv', '/p', ['x'], { breakSystemPackages: false });
    expect(argv.some((a) => /index|find-links|proxy/.test(a))).toBe(false);
  });

  it('makes venvs with uv venv --python <base> or <base> -m venv', () => {
    expect(venvArgv('/usr/bin/python3', '/p/.venv', null)).toEqual(['/usr/bin/python3', '-m', 'venv', '/p/.venv']);
    expect(venvArgv('/usr/bin/python3', '/p/.venv', '/bin/uv')).toEqual(['/bin/uv', 'venv', '--python', '/usr/bin/python3', '/p/.venv']);
    expect(venvArgv('/usr/bin/python3', '/p/.venv', '/bin/uv', true)).toEqual([
      '/bin/uv', 'venv', '--python', '/usr/bin/python3', '--allow-existing', '/p/.venv',
    ]);
  });

  it("knows where a venv's python is", () => {
    expect(venvPython('/p/.venv', 'linux')).toBe('/p/.venv/bin/python');
    expect(venvPython('/p/.venv', 'darwin')).toBe('/p/.venv/bin/python');
    expect(venvPython('C:\\p\\.venv', 'win32')).toBe('C:\\p\\.venv\\Scripts\\python.exe');
  });
});

describe('requirement strings', () => {
  it('trims and de-duplicates', () => {
    expect(checkRequirements([' grpcio ', 'grpcio', 'protobuf>=4'])).toEqual(['grpcio', 'protobuf>=4']);
  });

  it.each([['--index-url=https://evil.example/simple'], ['-r'], ['-e.'], ['']])('refuses %j with INVALID_INPUT', (r) => {
    try {
      checkRequirements([r]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('INVALID_INPUT');
    }
  });

  it('refuses control characters (a newline would smuggle a second line)', () => {
    expect(() => checkRequirements(['ok\n--index-url x'])).toThrow(/control characters/);
  });

  it.each([
    ['grpcio', 'grpcio'],
    ['grpcio>=1.60,<2', 'grpcio'],
    ['requests[socks] ; python_version >= "3.8"', 'requests'],
    ['pkg @ https://example.com/pkg-1.0.tar.gz', 'pkg'],
    ['./dist/pkg-0.1-py3-none-any.whl', null],
    ['pkg-0.1-py3-none-any.whl', null],
    ['https://example.com/x.zip', null],
  ])('the distribution to check after installing %j is %j', (req, name) => {
    expect(verifiableName(req)).toBe(name);
  });
});

describe('tool environment', () => {
  it("passes the user's PIP_/UV_ settings and the interpreter's environment through, adding nothing about indexes", () => {
    const env = toolEnvironment(
      { PATH: '/bin', PIP_INDEX_URL: 'https://mirror/simple', UV_INDEX_URL: 'https://mirror/simple', HTTPS_PROXY: 'http://proxy:3128', GONE: undefined },
      { CUSTOM: 'x', PIP_FIND_LINKS: '/wheels' },
    );
    expect(env).toMatchObject({ PATH: '/bin', PIP_INDEX_URL: 'https://mirror/simple', UV_INDEX_URL: 'https://mirror/simple', HTTPS_PROXY: 'http://proxy:3128', CUSTOM: 'x', PIP_FIND_LINKS: '/wheels', PYTHONUNBUFFERED: '1' });
    expect('GONE' in env).toBe(false);
    expect(Object.keys(env).filter((k) => /INDEX|FIND_LINKS/.test(k)).sort()).toEqual(['PIP_FIND_LINKS', 'PIP_INDEX_URL', 'UV_INDEX_URL']);
  });

  it("lets the user's own values win over the unattended defaults", () => {
    expect(toolEnvironment({}, {})['PIP_DISABLE_PIP_VERSION_CHECK']).toBe('1');
    expect(toolEnvironment({ PIP_DISABLE_PIP_VERSION_CHECK: '0' }, {})['PIP_DISABLE_PIP_VERSION_CHECK']).toBe('0');
    expect(toolEnvironment({}, { PIP_NO_INPUT: '0' })['PIP_NO_INPUT']).toBe('0');
  });
});

describe('tool output', () => {
  it('reads phases from pip lines', () => {
    expect(classifyLine('Looking in links: /w').phase).toBe('resolving');
    expect(classifyLine('Collecting grpcio').phase).toBe('resolving');
    expect(classifyLine('  Downloading grpcio-1.60.0-cp311-cp311-manylinux_2_17_x86_64.whl (5.2 MB)')).toEqual({ phase: 'downloading', percent: null });
    expect(classifyLine('Installing collected packages: grpcio').phase).toBe('installing');
    expect(classifyLine('Successfully installed grpcio-1.60.0').phase).toBe('installing');
    expect(classifyLine('  Preparing metadata (setup.py): started')).toEqual({});
  });

  it("reads a percentage from pip's raw progress lines", () => {
    expect(classifyLine('Progress 2621440 of 5242880')).toEqual({ phase: 'downloading', percent: 50 });
    expect(classifyLine('Progress 1 of 3').percent).toBe(33.3);
    expect(classifyLine('Progress 0 of 0').percent).toBeNull();
  });

  it('reads phases from uv lines', () => {
    expect(classifyLine('Using Python 3.11.2 environment at: /v').phase).toBe('resolving');
    expect(classifyLine('Resolved 3 packages in 12ms').phase).toBe('resolving');
    expect(classifyLine('Prepared 3 packages in 1.2s').phase).toBe('downloading');
    expect(classifyLine('Installed 3 packages in 8ms').phase).toBe('installing');
    expect(classifyLine('Creating virtual environment at: /v').phase).toBe('installing');
  });

  it('strips escape sequences and caps long lines', () => {
    expect(cleanLine('\x1b[1m\x1b[31merror\x1b[0m: boom  ')).toBe('error: boom');
    expect(cleanLine('x'.repeat(3000)).length).toBe(2001);
  });

  it('summarises the error lines of a failed run', () => {
    const pip = [
      'Looking in links: /w',
      'ERROR: Could not find a version that satisfies the requirement nope (from versions: none)',
      'ERROR: No matching distribution found for nope',
    ];
    expect(errorSummary(pip)).toBe(
      'ERROR: Could not find a version that satisfies the requirement nope (from versions: none) ERROR: No matching distribution found for nope',
    );
    expect(errorSummary(['  × No solution found when resolving dependencies:', '  ╰─▶ Because nope was not found…'])).toMatch(/^× No solution/);
    expect(errorSummary(['Traceback (most recent call last):', '  File "x"', "ModuleNotFoundError: No module named 'pip'"])).toBe(
      "ModuleNotFoundError: No module named 'pip'",
    );
    expect(errorSummary(['just', 'the last line'])).toBe('the last line');
    expect(errorSummary([])).toBeNull();
  });

  it('compares pip versions', () => {
    expect(pipVersionAtLeast('24.1', 24, 1)).toBe(true);
    expect(pipVersionAtLeast('25.0.1', 24, 1)).toBe(true);
    expect(pipVersionAtLeast('23.0.1', 24, 1)).toBe(false);
    expect(pipVersionAtLeast(null, 24, 1)).toBe(false);
  });

  it('splits output at \\n, \\r\\n and lone \\r, across chunks and multi-byte characters', () => {
    const lines: string[] = [];
    const s = new LineReader((l) => lines.push(l));
    const euro = Buffer.from('€');
    s.push('a\r');
    s.push('\nb\rc');
    s.push(Buffer.concat([Buffer.from('\n'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('\r\n')]));
    s.push('tail');
    s.end();
    expect(lines).toEqual(['a', 'b', 'c', '€', 'tail']);
  });
});
