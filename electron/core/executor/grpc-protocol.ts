/**
 * The executor protocol's methods as @grpc/proto-loader builds them from proto/webhook_bridge.proto
 * and proto/health.proto (loaded at run time, no generated code).
 */
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_FILES = ['webhook_bridge.proto', 'health.proto'] as const;
const WEBHOOK_SERVICE = 'webhook_bridge.v1.WebhookExecutor';
const HEALTH_SERVICE = 'grpc.health.v1.Health';

export type Method = protoLoader.MethodDefinition<object, object>;

export interface ProtocolMethods {
  execute: Method;
  /** Bidi: StreamFrame → StreamReply (the streamed data path). */
  stream: Method;
  list: Method;
  info: Method;
  healthCheck: Method;
  check: Method;
  watch: Method;
}

function isServiceDefinition(def: protoLoader.AnyDefinition): def is protoLoader.ServiceDefinition {
  return !('format' in def);
}

export function loadProtocol(protoDir: string): ProtocolMethods {
  let definition: protoLoader.PackageDefinition;
  try {
    definition = protoLoader.loadSync(
      PROTO_FILES.map((file) => path.join(protoDir, file)),
      { includeDirs: [protoDir], keepCase: false, longs: String, enums: String, bytes: Buffer, defaults: true, arrays: true },
    );
  } catch (err) {
    throw new Error(`cannot load the executor protocol from ${protoDir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const method = (service: string, name: string): Method => {
    const def = definition[service];
    const found = def !== undefined && isServiceDefinition(def) ? def[name] : undefined;
    if (found === undefined) throw new Error(`the protocol in ${protoDir} has no rpc ${service}/${name}`);
    return found;
  };
  return {
    execute: method(WEBHOOK_SERVICE, 'ExecutePlugin'),
    stream: method(WEBHOOK_SERVICE, 'ExecuteStream'),
    list: method(WEBHOOK_SERVICE, 'ListPlugins'),
    info: method(WEBHOOK_SERVICE, 'GetPluginInfo'),
    healthCheck: method(WEBHOOK_SERVICE, 'HealthCheck'),
    check: method(HEALTH_SERVICE, 'Check'),
    watch: method(HEALTH_SERVICE, 'Watch'),
  };
}
