/**
 * Python interpreter discovery (plain Node, no Electron).
 *
 * Typical wiring in the composition root:
 *
 *   const runProcess = createExecaRunProcess({ env: process.env, platform: process.platform });
 *   const discovery = createDiscovery({
 *     platform: process.platform, env: process.env, homeDir: os.homedir(), cwd: process.cwd(),
 *     fs: nodeDiscoveryFs, runProbe: createProbeRunner(runProcess), now: () => performance.now(),
 *     venvPaths: () => config.venvPaths(), configuredPaths: () => config.interpreterPaths(),
 *     readRegistry: createRegQueryReader(runProcess), listPyLauncher: createPyLauncherLister(runProcess),
 *   });
 */
export { createDiscovery, DEFAULT_PROBE_DEADLINE_MS, type Discovery } from './discovery.js';
export { nodeDiscoveryFs } from './fs-helpers.js';
export { createProbeRunner, parseProbeOutput, PROBE_ARGS, PROBE_CODE } from './probe.js';
export {
  createExecaRunProcess,
  type ExecaRunProcessOptions,
  type RunProcess,
  type RunProcessOptions,
  type RunProcessResult,
} from './process.js';
export {
  createPyLauncherLister,
  createRegQueryReader,
  parsePyLauncherList,
  parseRegQuery,
  pep514Installs,
  type Pep514Install,
  type PyLauncherEntry,
} from './windows-listings.js';
export {
  archFromHeader,
  parsePatchlevel,
  parsePyvenvCfg,
  unsupportedVersionReason,
  MIN_SUPPORTED,
} from './version-files.js';
export type {
  DiscoverOptions,
  DiscoveryDeps,
  DiscoveryFs,
  FileStat,
  ProbeInfo,
  ProbeOutcome,
  PyLauncherListing,
  RegistryKey,
  RegistryListing,
  RunProbe,
} from './types.js';
