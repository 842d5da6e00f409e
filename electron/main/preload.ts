/**
 * Preload of the dashboard window (sandboxed, so it is bundled to CommonJS: dist/electron/main/preload.cjs).
 * The only file that imports `ipcRenderer`; it exposes the contract-walking API, never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridgeApi } from './preload-api.js';

contextBridge.exposeInMainWorld('webhookBridge', createBridgeApi(ipcRenderer));
