/**
 * DTOs for Python interpreter discovery and validation.
 *
 * Pure TypeBox schemas (no Node imports) so that they can be shared between the
 * Electron main process, the preload bridge and the renderer.
 */
import { Type, type Static } from 'typebox';

export const InterpreterKindSchema = Type.Union([
  Type.Literal('path'),
  Type.Literal('system'),
  Type.Literal('pyenv'),
  Type.Literal('pyenv-virtualenv'),
  Type.Literal('conda'),
  Type.Literal('venv'),
  Type.Literal('uv'),
  Type.Literal('homebrew'),
  Type.Literal('macos-framework'),
  Type.Literal('windows-registry'),
  Type.Literal('py-launcher'),
  Type.Literal('windows-store'),
]);
export type InterpreterKind = Static<typeof InterpreterKindSchema>;

export const InterpreterImplementationSchema = Type.Union([Type.Literal('cpython'), Type.Literal('pypy')]);
export type InterpreterImplementation = Static<typeof InterpreterImplementationSchema>;

/** Where the reported version came from (files are preferred over starting a process). */
export const VersionSourceSchema = Type.Union([
  Type.Literal('pyvenv.cfg'),
  Type.Literal('patchlevel.h'),
  Type.Literal('conda-meta'),
  Type.Literal('path-name'),
  Type.Literal('registry'),
  Type.Literal('probe'),
]);
export type VersionSource = Static<typeof VersionSourceSchema>;

export const BrokenReasonSchema = Type.Object({ reason: Type.String() });
export type BrokenReason = Static<typeof BrokenReasonSchema>;

export const DiscoveredInterpreterSchema = Type.Object({
  /** The path to show and to run (the "nicest" of the collapsed paths). */
  path: Type.String(),
  /** Fully resolved executable (for a broken symlink: the path itself). */
  realpath: Type.String(),
  /** Other paths that lead to the same interpreter / environment. */
  aliases: Type.Array(Type.String()),
  /** `major.minor.micro`, e.g. `3.11.2`. */
  version: Type.Union([Type.String(), Type.Null()]),
  implementation: Type.Union([InterpreterImplementationSchema, Type.Null()]),
  /** Normalized: `x86_64`, `arm64`, `x86`, `arm`, ... */
  architecture: Type.Union([Type.String(), Type.Null()]),
  kind: InterpreterKindSchema,
  /** sys.prefix (for a virtual environment: the environment folder). */
  prefix: Type.Union([Type.String(), Type.Null()]),
  /** For virtual environments: the base interpreter named by pyvenv.cfg. */
  baseInterpreter: Type.Union([Type.String(), Type.Null()]),
  versionSource: Type.Union([VersionSourceSchema, Type.Null()]),
  broken: Type.Union([BrokenReasonSchema, Type.Null()]),
  /** Name of the registry entry that already uses this interpreter. */
  configured: Type.Union([Type.String(), Type.Null()]),
});
export type DiscoveredInterpreter = Static<typeof DiscoveredInterpreterSchema>;

export const DiscoverySourceStatSchema = Type.Object({
  name: Type.String(),
  count: Type.Integer({ minimum: 0 }),
  durationMs: Type.Number({ minimum: 0 }),
});
export type DiscoverySourceStat = Static<typeof DiscoverySourceStatSchema>;

export const DiscoveryStatsSchema = Type.Object({
  durationMs: Type.Number({ minimum: 0 }),
  processesStarted: Type.Integer({ minimum: 0 }),
  cacheHits: Type.Integer({ minimum: 0 }),
  sources: Type.Array(DiscoverySourceStatSchema),
});
export type DiscoveryStats = Static<typeof DiscoveryStatsSchema>;

export const DiscoveryResultSchema = Type.Object({
  interpreters: Type.Array(DiscoveredInterpreterSchema),
  stats: DiscoveryStatsSchema,
});
export type DiscoveryResult = Static<typeof DiscoveryResultSchema>;

export const ValidationLevelSchema = Type.Union([
  Type.Literal('error'),
  Type.Literal('warning'),
  Type.Literal('info'),
]);
export type ValidationLevel = Static<typeof ValidationLevelSchema>;

/**
 * One check of a validation. A passing check has level `info`; a failing one
 * has level `error` (blocks use) or `warning` (advisory).
 */
export const ValidationCheckSchema = Type.Object({
  check: Type.String(),
  ok: Type.Boolean(),
  level: ValidationLevelSchema,
  message: Type.String(),
});
export type ValidationCheck = Static<typeof ValidationCheckSchema>;

export const PackageVersionSchema = Type.Object({
  name: Type.String(),
  version: Type.Union([Type.String(), Type.Null()]),
});
export type PackageVersion = Static<typeof PackageVersionSchema>;

export const ValidationReportSchema = Type.Object({
  ok: Type.Boolean(),
  checks: Type.Array(ValidationCheckSchema),
  version: Type.Union([Type.String(), Type.Null()]),
  implementation: Type.Union([Type.String(), Type.Null()]),
  packages: Type.Array(PackageVersionSchema),
  durationMs: Type.Number({ minimum: 0 }),
});
export type ValidationReport = Static<typeof ValidationReportSchema>;
