/**
 * Python interpreter discovery (plain Node, no Electron).
 *
 * Typical wiring in the composition root:
 *
 *   const runProcess = new ProcessRunner({ env: process.env }).run;   // core/process/runner.ts
 *   const discovery = createDiscovery({
 *     platform: process.platform, env: process.env, homeDir: os.homedir(), cwd: process.cwd(),
 *     fs: nodeDiscoveryFs, runProbe: createProbeRunner(runProcess, probeScriptIn(resourcesDir)), now: () => performance.now(),
 *     venvPaths: () => config.venvPaths(), configuredPaths: () => config.interpreterPaths(),
 *     readRegistry: createRegQueryReader(runProcess), listPyLauncher: createPyLauncherLister(runProcess),
 *   });
 */
export { createDiscovery } from './discovery.js';
export { nodeDiscoveryFs } from './fs-helpers.js';
export { createProbeRunner } from './probe.js';
export { createPyLauncherLister, createRegQueryReader } from './windows-listings.js';
export type { DiscoveryDeps } from './types.js';
