/**
 * One spawned executor process: handshake, readiness (health SERVING with the spawn's nonce),
 * stderr to the log and a tail of it, and stopping it with its whole process group.
 */
import { promises as fs } from 'node:fs';
import type { LogLevel } from '../../../shared/dto/config.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import { describeExit, type Exit } from '../process/exit.js';
import type { ProcessRunner } from '../process/runner.js';
import { sleep } from '../process/sleep.js';
import type { SpawnedProcess } from '../process/spawn.js';
import { Leases, type Endpoint } from './endpoint.js';
import { ExecutorClient } from './grpc-client.js';
import { parseHandshakeLine, type ExecutorHandshake } from './handshake.js';
import type { PreparedLaunch } from './launch.js';
import { cutTailLine } from './stderr-tail.js';

export interface ProcessDeps {
  runner: Pick<ProcessRunner, 'spawn'>;
  /** Monotonic milliseconds. */
  now: () => number;
  wall: () => Date;
}

export interface LaunchRequest {
  generation: number;
  interpreter: ResolvedInterpreter;
  prepared: PreparedLaunch;
  protoDir: string;
  readyTimeoutMs: number;
  /** ExecuteStream streams once the executor lists the capability (0 = unary; default DEFAULT_EXECUTE_STREAMS). */
  streams?: number;
  /** Tagged with the generation, e.g. `executor#3`. */
  logger: Logger;
  stderrTailLines?: number;
  /** Aborting kills the process (the app is stopping). */
  signal?: AbortSignal;
}

/** The executor did not become ready; `permanent` when retrying cannot help (missing module, no such file). */
export class ExecutorStartError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string[],
    readonly exit: Exit | null,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ExecutorStartError';
  }
}

// Exit codes of the executor: 2 = usage (no token), 3 = missing dependency or too old a Python.
/** The executor's own log timestamp (the app's log has one already). */
const PY_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} /;
const PERMANENT_EXIT_CODES = new Set([2, 3]);

function levelOf(line: string): LogLevel {
  const m = / (DEBUG|INFO|WARNING|ERROR|CRITICAL) /.exec(line);
  if (m) return m[1] === 'DEBUG' ? 'debug' : m[1] === 'INFO' ? 'info' : m[1] === 'WARNING' ? 'warn' : 'error';
  return line.startsWith('webhook-bridge executor:') ? 'error' : 'info';
}

const pause = (ms: number): Promise<'timeout'> => sleep(ms, { unref: true }).then(() => 'timeout' as const);

export class SpawnedExecutor implements Endpoint {
  readonly leases = new Leases();
  healthy = true;
  readonly startedAt: Date;
  readonly startedMono: number;
  readonly exited: Promise<Exit>;
  readonly handshake: Promise<ExecutorHandshake | null>;
  private exitInfo: Exit | null = null;
  private readonly tail: string[] = [];
  private readonly stderrDone: Promise<void>;
  private clientValue: ExecutorClient | undefined;
  private addressValue = '';
  private stopping: Promise<void> | undefined;
  private readonly child: SpawnedProcess;
  /** Only a launch in progress is aborted; a ready executor is stopped gracefully instead. */
  private readonly onAbort = (): void => this.kill();

  constructor(
    private readonly req: LaunchRequest,
    private readonly deps: ProcessDeps,
  ) {
    this.startedAt = deps.wall();
    this.startedMono = deps.now();
    const { prepared } = req;
    const log = req.logger;
    const max = req.stderrTailLines ?? 50;
    let handshakeFound = false;
    let resolveHandshake: (hs: ExecutorHandshake | null) => void = () => undefined;
    this.handshake = new Promise((resolve) => (resolveHandshake = resolve));
    this.child = deps.runner.spawn({
      file: prepared.file,
      args: prepared.args,
      env: prepared.env,
      cwd: prepared.cwd,
      // stdin stays open: the executor exits when it closes, so it dies with the app even on SIGKILL
      stdin: 'pipe',
      onLine: (line, stream) => {
        if (stream === 'stderr') {
          const clean = log.redactor.apply(line);
          this.tail.push(cutTailLine(clean));
          if (this.tail.length > max) this.tail.shift();
          log.log(levelOf(line), clean.replace(PY_TIMESTAMP, ''));
          return;
        }
        const hs = handshakeFound ? null : parseHandshakeLine(line);
        if (hs) {
          handshakeFound = true;
          resolveHandshake(hs);
        } else log.info(log.redactor.apply(line));
      },
    });
    log.info(`starting ${prepared.file} ${prepared.args.join(' ')}${prepared.virtualEnv ? ` (venv ${prepared.virtualEnv})` : ''}`);
    this.stderrDone = this.child.outputDone.stderr;
    void this.child.outputDone.stdout.then(() => resolveHandshake(null));
    if (req.signal?.aborted) this.kill();
    else req.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.exited = this.child.exited.then((exit) => {
      this.exitInfo = exit;
      req.signal?.removeEventListener('abort', this.onAbort);
      this.child.forceKill(); // plugin subprocesses left behind
      (exit.code === 0 ? log.info.bind(log) : log.warn.bind(log))(`executor ${describeExit(exit)}`);
      void this.removeSocketDir();
      return exit;
    });
  }

  get generation(): number {
    return this.req.generation;
  }
  get interpreter(): ResolvedInterpreter {
    return this.req.interpreter;
  }
  get pid(): number | null {
    return this.child.pid ?? null;
  }
  get address(): string {
    return this.addressValue;
  }
  get alive(): boolean {
    return this.exitInfo === null;
  }
  get client(): ExecutorClient {
    if (!this.clientValue) throw new Error('the executor is not ready');
    return this.clientValue;
  }

  stderrTail(): string[] {
    return [...this.tail];
  }

  /** Waits for the handshake and for health SERVING with our nonce, all within readyTimeoutMs. */
  async ready(): Promise<void> {
    const { prepared, readyTimeoutMs } = this.req;
    const deadline = this.deps.now() + readyTimeoutMs;
    const left = (): number => Math.max(1, deadline - this.deps.now());
    const hs = await this.raceExit(this.handshake, left());
    if (!hs) {
      // stdout closes as the process exits: report the exit (code 3 = missing module) when it comes
      await Promise.race([this.exited, pause(2_000)]);
      throw await this.failure(this.alive ? 'closed its output without a handshake' : '');
    }
    if (hs.nonce !== prepared.nonce) {
      throw await this.failure(`answered at ${hs.address} with another nonce: a stale socket or a foreign process`);
    }
    this.addressValue = hs.address;
    const client = new ExecutorClient({ address: hs.address, token: prepared.token, protoDir: this.req.protoDir, ...(this.req.streams === undefined ? {} : { streams: this.req.streams }) });
    this.clientValue = client;
    await this.raceExit(client.waitForReady(left()), left());
    const [status, info] = await this.raceExit(
      Promise.all([client.servingStatus({ deadlineMs: left() }), client.executorHealth({ deadlineMs: left() })]),
      left(),
    );
    if (info.nonce !== prepared.nonce) throw await this.failure(`at ${hs.address} is not the process that was started (nonce mismatch)`);
    if (status !== 'SERVING' || info.status !== 'SERVING') throw await this.failure(`reports ${status}, not SERVING`);
    this.req.signal?.removeEventListener('abort', this.onAbort);
    this.req.logger.info(`ready at ${hs.address} (pid ${info.pid}, ${info.pythonImplementation} ${info.pythonVersion}, grpc ${info.grpcVersion}, protobuf ${info.protobufVersion}; webhooks over ${client.dataPath === 'stream' ? 'streams' : 'unary calls'})`);
  }

  /** `promise`, unless the process exits first or `ms` pass: then an ExecutorStartError. */
  private async raceExit<T>(promise: Promise<T>, ms: number): Promise<T> {
    const outcome = await Promise.race([
      promise.then((value) => ({ kind: 'value' as const, value }), (err: unknown) => ({ kind: 'error' as const, err })),
      this.exited.then(() => ({ kind: 'exit' as const })),
      pause(ms).then(() => ({ kind: 'timeout' as const })),
    ]);
    if (outcome.kind === 'value') return outcome.value;
    if (outcome.kind === 'exit') throw await this.failure('');
    if (outcome.kind === 'timeout') throw await this.failure(`was not ready within ${(this.req.readyTimeoutMs / 1000).toFixed(1)} s`);
    throw await this.failure(`did not answer its health check: ${outcome.err instanceof Error ? outcome.err.message : String(outcome.err)}`);
  }

  /** Kills what is left, collects the stderr tail and builds the error. */
  private async failure(reason: string): Promise<ExecutorStartError> {
    if (this.alive) this.child.forceKill();
    const exit = await Promise.race([this.exited, pause(2_000).then(() => null)]);
    await Promise.race([this.stderrDone, pause(500)]);
    this.clientValue?.close();
    const tail = this.stderrTail();
    const exitedOnItsOwn = reason === '' && exit !== null;
    const what = exitedOnItsOwn ? `${describeExit(exit)} before it was ready` : reason;
    const lastLines = tail.filter((l) => l.trim() !== '').slice(-5).join(' | ');
    const permanent = exitedOnItsOwn && (exit.spawnError !== null || (exit.code !== null && PERMANENT_EXIT_CODES.has(exit.code)));
    const message = `the executor ${what}${lastLines ? `: ${lastLines}` : ''}`;
    return new ExecutorStartError(message, tail, exit, permanent);
  }

  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      // SIGTERM to the executor only (it stops its plugins' work itself), then SIGKILL of its group
      const how = await Promise.race([this.child.stop({ graceMs, politeTo: 'leader' }), pause(graceMs + 2_000)]);
      if (how === 'forced') this.req.logger.warn(`did not stop within ${graceMs} ms of SIGTERM; killing its process group`);
      this.clientValue?.close();
      await this.removeSocketDir();
    })();
    return this.stopping;
  }

  kill(): void {
    this.child.forceKill();
  }

  private async removeSocketDir(): Promise<void> {
    const dir = this.req.prepared.socketDir;
    if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Spawns an executor and resolves once it is ready; on failure nothing is left running. */
export async function launchExecutor(req: LaunchRequest, deps: ProcessDeps): Promise<SpawnedExecutor> {
  const proc = new SpawnedExecutor(req, deps);
  await proc.ready();
  return proc;
}
