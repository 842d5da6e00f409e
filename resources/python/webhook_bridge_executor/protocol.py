"""Message classes for proto/webhook_bridge.proto and proto/health.proto.

The descriptors are built at run time from FileDescriptorProto objects so the
executor needs neither protoc nor generated ``_pb2`` modules, and works with
every protobuf runtime from 3.21 (Debian's "4.21.12") to current releases
(upb, cpp and pure-python backends alike).

These definitions MUST match the .proto files field for field;
test/integration/executor.test.ts compares them with the descriptors Node
loads from proto/*.proto.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto

# Short names for field types used below.
_TYPES = {
    "string": _F.TYPE_STRING,
    "bytes": _F.TYPE_BYTES,
    "bool": _F.TYPE_BOOL,
    "int32": _F.TYPE_INT32,
    "uint32": _F.TYPE_UINT32,
    "double": _F.TYPE_DOUBLE,
}

WEBHOOK_PACKAGE = "webhook_bridge.v1"
HEALTH_PACKAGE = "grpc.health.v1"
WEBHOOK_SERVICE = WEBHOOK_PACKAGE + ".WebhookExecutor"
HEALTH_SERVICE = HEALTH_PACKAGE + ".Health"


def _message(container, name, fields, enums=()):
    """Add a message to ``container`` (a file or message descriptor proto).

    ``fields`` is a list of (name, number, type, repeated) where type is a
    scalar name from _TYPES, or a fully qualified ".pkg.Message" /
    "enum:.pkg.Enum" reference.
    """
    msg = container.message_type.add() if hasattr(container, "message_type") \
        else container.nested_type.add()
    msg.name = name
    for enum_name, values in enums:
        enum = msg.enum_type.add()
        enum.name = enum_name
        for value_name, number in values:
            value = enum.value.add()
            value.name = value_name
            value.number = number
    for field_name, number, ftype, repeated in fields:
        field = msg.field.add()
        field.name = field_name
        field.number = number
        field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
        if ftype in _TYPES:
            field.type = _TYPES[ftype]
        elif ftype.startswith("enum:"):
            field.type = _F.TYPE_ENUM
            field.type_name = ftype[len("enum:"):]
        else:
            field.type = _F.TYPE_MESSAGE
            field.type_name = ftype
    return msg


def _service(fdp, name, methods):
    service = fdp.service.add()
    service.name = name
    for method_name, input_type, output_type, streaming in methods:
        method = service.method.add()
        method.name = method_name
        method.input_type = input_type
        method.output_type = output_type
        # streaming: False (unary), True (server streaming) or "bidi"
        if streaming:
            method.server_streaming = True
        if streaming == "bidi":
            method.client_streaming = True


def webhook_file_descriptor():
    """FileDescriptorProto equivalent to proto/webhook_bridge.proto."""
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = "webhook_bridge.proto"
    fdp.package = WEBHOOK_PACKAGE
    fdp.syntax = "proto3"
    p = "." + WEBHOOK_PACKAGE + "."
    _message(fdp, "Header", [
        ("name", 1, "string", False),
        ("value", 2, "string", False),
    ])
    _message(fdp, "ExecutePluginRequest", [
        ("request_id", 1, "string", False),
        ("plugin", 2, "string", False),
        ("method", 3, "string", False),
        ("path", 4, "string", False),
        ("headers", 5, p + "Header", True),
        ("query", 6, "string", False),
        ("body", 7, "bytes", False),
        ("content_type", 8, "string", False),
        ("timeout_ms", 9, "uint32", False),
        ("deadline_ms", 10, "uint32", False),
        ("verified_replay", 11, "bool", False),
    ])
    _message(fdp, "ExecutePluginResponse", [
        ("request_id", 1, "string", False),
        ("status_code", 2, "int32", False),
        ("headers", 3, p + "Header", True),
        ("body", 4, "bytes", False),
        ("content_type", 5, "string", False),
        ("error", 6, "string", False),
        ("execution_time_ms", 7, "double", False),
        ("logs", 8, p + "PluginLogLine", True),
    ])
    _message(fdp, "PluginLogLine", [
        ("level", 1, "string", False),
        ("message", 2, "string", False),
        ("at_ms", 3, "double", False),
    ])
    _message(fdp, "StreamFrame", [
        ("call", 1, p + "ExecutePluginRequest", False),
        ("cancel_request_id", 2, "string", False),
    ])
    _message(fdp, "StreamReply", [
        ("request_id", 1, "string", False),
        ("response", 2, p + "ExecutePluginResponse", False),
        ("error_code", 3, "string", False),
        ("error_message", 4, "string", False),
        ("started", 5, "bool", False),
    ])
    _message(fdp, "ListPluginsRequest", [])
    _message(fdp, "ListPluginsResponse", [
        ("plugins", 1, p + "PluginInfo", True),
    ])
    _message(fdp, "GetPluginInfoRequest", [
        ("name", 1, "string", False),
    ])
    _message(fdp, "PluginInfo", [
        ("name", 1, "string", False),
        ("description", 2, "string", False),
        ("methods", 3, "string", True),
        ("available", 4, "bool", False),
        ("error", 5, "string", False),
        ("source_path", 6, "string", False),
        ("has_secret", 7, "bool", False),
        ("missing_module", 8, "string", False),
        ("style", 9, "string", False),
    ])
    _message(fdp, "HealthCheckRequest", [])
    _message(fdp, "HealthCheckResponse", [
        ("status", 1, "enum:" + p + "HealthCheckResponse.ServingStatus", False),
        ("nonce", 2, "string", False),
        ("pid", 3, "int32", False),
        ("python_version", 4, "string", False),
        ("python_implementation", 5, "string", False),
        ("python_executable", 6, "string", False),
        ("plugin_count", 7, "uint32", False),
        ("uptime_seconds", 8, "double", False),
        ("abandoned_calls", 9, "uint32", False),
        ("grpc_version", 10, "string", False),
        ("protobuf_version", 11, "string", False),
        ("plugin_dirs", 12, "string", True),
        ("capabilities", 13, "string", True),
    ], enums=[("ServingStatus", [("UNKNOWN", 0), ("SERVING", 1), ("NOT_SERVING", 2)])])
    _service(fdp, "WebhookExecutor", [
        ("ExecutePlugin", p + "ExecutePluginRequest", p + "ExecutePluginResponse", False),
        ("ListPlugins", p + "ListPluginsRequest", p + "ListPluginsResponse", False),
        ("GetPluginInfo", p + "GetPluginInfoRequest", p + "PluginInfo", False),
        ("HealthCheck", p + "HealthCheckRequest", p + "HealthCheckResponse", False),
        ("ExecuteStream", p + "StreamFrame", p + "StreamReply", "bidi"),
    ])
    return fdp


def health_file_descriptor():
    """FileDescriptorProto equivalent to proto/health.proto."""
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = "health.proto"
    fdp.package = HEALTH_PACKAGE
    fdp.syntax = "proto3"
    p = "." + HEALTH_PACKAGE + "."
    _message(fdp, "HealthCheckRequest", [("service", 1, "string", False)])
    _message(fdp, "HealthCheckResponse", [
        ("status", 1, "enum:" + p + "HealthCheckResponse.ServingStatus", False),
    ], enums=[("ServingStatus", [
        ("UNKNOWN", 0), ("SERVING", 1), ("NOT_SERVING", 2), ("SERVICE_UNKNOWN", 3),
    ])])
    _service(fdp, "Health", [
        ("Check", p + "HealthCheckRequest", p + "HealthCheckResponse", False),
        ("Watch", p + "HealthCheckRequest", p + "HealthCheckResponse", True),
    ])
    return fdp


def _message_class(pool, factory, full_name):
    descriptor = pool.FindMessageTypeByName(full_name)
    get_message_class = getattr(message_factory, "GetMessageClass", None)
    if get_message_class is not None:  # protobuf >= 4.22 (GetPrototype is gone in 5.x)
        return get_message_class(descriptor)
    return factory.GetPrototype(descriptor)


class Messages(object):
    """Namespace of message classes, e.g. ``messages.ExecutePluginRequest``."""


def build_messages():
    """Build both files in a private pool; return (webhook, health) namespaces."""
    pool = descriptor_pool.DescriptorPool()
    files = (webhook_file_descriptor(), health_file_descriptor())
    for fdp in files:
        pool.AddSerializedFile(fdp.SerializeToString())
    factory = None
    if not hasattr(message_factory, "GetMessageClass"):
        factory = message_factory.MessageFactory(pool)
    namespaces = []
    for fdp in files:
        namespace = Messages()
        for msg in fdp.message_type:
            cls = _message_class(pool, factory, fdp.package + "." + msg.name)
            setattr(namespace, msg.name, cls)
        namespaces.append(namespace)
    return namespaces[0], namespaces[1]
