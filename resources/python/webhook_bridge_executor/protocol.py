"""Message classes for proto/webhook_bridge.proto and proto/health.proto.

The descriptors are written at run time as serialized FileDescriptorProto bytes (a few lines of
protobuf encoding below, so not even descriptor_pb2 is imported at start-up) so the
executor needs neither protoc nor generated ``_pb2`` modules, and works with
every protobuf runtime from 3.21 (Debian's "4.21.12") to current releases
(upb, cpp and pure-python backends alike).

These definitions MUST match the .proto files field for field;
test/integration/executor.test.ts compares them with the descriptors Node
loads from proto/*.proto.
"""

from google.protobuf import descriptor_pool, message_factory

# FieldDescriptorProto's enums (descriptor.proto): labels and the scalar types used below.
_LABEL_OPTIONAL, _LABEL_REPEATED = 1, 3
_TYPE_MESSAGE, _TYPE_ENUM = 11, 14
_TYPES = {
    "double": 1,
    "int32": 5,
    "bool": 8,
    "string": 9,
    "bytes": 12,
    "uint32": 13,
}

WEBHOOK_PACKAGE = "webhook_bridge.v1"
HEALTH_PACKAGE = "grpc.health.v1"
WEBHOOK_SERVICE = WEBHOOK_PACKAGE + ".WebhookExecutor"
HEALTH_SERVICE = HEALTH_PACKAGE + ".Health"


# --- a minimal protobuf writer, enough for descriptor.proto: no descriptor_pb2 at start-up ------

def _varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes_field(number, data):
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _str(number, text):
    return _bytes_field(number, text.encode("utf-8"))


def _int(number, value):
    return _varint(number << 3) + _varint(value)


class _File(object):
    """A FileDescriptorProto being written: ``message`` and ``service`` add to it, ``data`` is its bytes."""

    def __init__(self, name, package):
        self.package = package
        self.messages = []  # (name, bytes of its DescriptorProto)
        self._parts = [_str(1, name), _str(2, package)]

    def message(self, name, fields, enums=()):
        """``fields``: (name, number, type, repeated); type is a scalar name from _TYPES, or a fully
        qualified ".pkg.Message" / "enum:.pkg.Enum" reference. ``enums``: nested (name, [(value, number)])."""
        body = [_str(1, name)]
        for field_name, number, ftype, repeated in fields:
            field = [_str(1, field_name), _int(3, number),
                     _int(4, _LABEL_REPEATED if repeated else _LABEL_OPTIONAL)]
            if ftype in _TYPES:
                field.append(_int(5, _TYPES[ftype]))
            elif ftype.startswith("enum:"):
                field += [_int(5, _TYPE_ENUM), _str(6, ftype[len("enum:"):])]
            else:
                field += [_int(5, _TYPE_MESSAGE), _str(6, ftype)]
            body.append(_bytes_field(2, b"".join(field)))
        for enum_name, values in enums:
            enum = [_str(1, enum_name)] + [_bytes_field(2, _str(1, v) + _int(2, n)) for v, n in values]
            body.append(_bytes_field(4, b"".join(enum)))
        self.messages.append(name)
        self._parts.append(_bytes_field(4, b"".join(body)))

    def service(self, name, methods):
        """``methods``: (name, input, output, streaming); streaming is False (unary), True (server
        streaming) or "bidi"."""
        body = [_str(1, name)]
        for method_name, input_type, output_type, streaming in methods:
            method = [_str(1, method_name), _str(2, input_type), _str(3, output_type)]
            if streaming == "bidi":
                method.append(_int(5, 1))
            if streaming:
                method.append(_int(6, 1))
            body.append(_bytes_field(2, b"".join(method)))
        self._parts.append(_bytes_field(6, b"".join(body)))

    @property
    def data(self):
        return b"".join(self._parts + [_str(12, "proto3")])


def _webhook_file():
    """proto/webhook_bridge.proto."""
    fdp = _File("webhook_bridge.proto", WEBHOOK_PACKAGE)
    p = "." + WEBHOOK_PACKAGE + "."
    fdp.message("Header", [
        ("name", 1, "string", False),
        ("value", 2, "string", False),
    ])
    fdp.message("ExecutePluginRequest", [
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
    fdp.message("ExecutePluginResponse", [
        ("request_id", 1, "string", False),
        ("status_code", 2, "int32", False),
        ("headers", 3, p + "Header", True),
        ("body", 4, "bytes", False),
        ("content_type", 5, "string", False),
        ("error", 6, "string", False),
        ("execution_time_ms", 7, "double", False),
        ("logs", 8, p + "PluginLogLine", True),
    ])
    fdp.message("PluginLogLine", [
        ("level", 1, "string", False),
        ("message", 2, "string", False),
        ("at_ms", 3, "double", False),
    ])
    fdp.message("StreamFrame", [
        ("call", 1, p + "ExecutePluginRequest", False),
        ("cancel_request_id", 2, "string", False),
    ])
    fdp.message("StreamReply", [
        ("request_id", 1, "string", False),
        ("response", 2, p + "ExecutePluginResponse", False),
        ("error_code", 3, "string", False),
        ("error_message", 4, "string", False),
        ("started", 5, "bool", False),
    ])
    fdp.message("ListPluginsRequest", [])
    fdp.message("ListPluginsResponse", [
        ("plugins", 1, p + "PluginInfo", True),
    ])
    fdp.message("GetPluginInfoRequest", [
        ("name", 1, "string", False),
    ])
    fdp.message("PluginInfo", [
        ("name", 1, "string", False),
        ("description", 2, "string", False),
        ("methods", 3, "string", True),
        ("available", 4, "bool", False),
        ("error", 5, "string", False),
        ("source_path", 6, "string", False),
        ("has_secret", 7, "bool", False),
        ("missing_module", 8, "string", False),
        ("style", 9, "string", False),
        ("ack", 10, "string", False),
        ("max_concurrency", 11, "uint32", False),
    ])
    fdp.message("HealthCheckRequest", [])
    fdp.message("HealthCheckResponse", [
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
    fdp.service("WebhookExecutor", [
        ("ExecutePlugin", p + "ExecutePluginRequest", p + "ExecutePluginResponse", False),
        ("ListPlugins", p + "ListPluginsRequest", p + "ListPluginsResponse", False),
        ("GetPluginInfo", p + "GetPluginInfoRequest", p + "PluginInfo", False),
        ("HealthCheck", p + "HealthCheckRequest", p + "HealthCheckResponse", False),
        ("ExecuteStream", p + "StreamFrame", p + "StreamReply", "bidi"),
    ])
    return fdp


def _health_file():
    """proto/health.proto."""
    fdp = _File("health.proto", HEALTH_PACKAGE)
    p = "." + HEALTH_PACKAGE + "."
    fdp.message("HealthCheckRequest", [("service", 1, "string", False)])
    fdp.message("HealthCheckResponse", [
        ("status", 1, "enum:" + p + "HealthCheckResponse.ServingStatus", False),
    ], enums=[("ServingStatus", [
        ("UNKNOWN", 0), ("SERVING", 1), ("NOT_SERVING", 2), ("SERVICE_UNKNOWN", 3),
    ])])
    fdp.service("Health", [
        ("Check", p + "HealthCheckRequest", p + "HealthCheckResponse", False),
        ("Watch", p + "HealthCheckRequest", p + "HealthCheckResponse", True),
    ])
    return fdp


def webhook_file_descriptor():
    """A descriptor_pb2.FileDescriptorProto equivalent to proto/webhook_bridge.proto (for tests)."""
    from google.protobuf import descriptor_pb2
    return descriptor_pb2.FileDescriptorProto.FromString(_webhook_file().data)


def health_file_descriptor():
    """A descriptor_pb2.FileDescriptorProto equivalent to proto/health.proto (for tests)."""
    from google.protobuf import descriptor_pb2
    return descriptor_pb2.FileDescriptorProto.FromString(_health_file().data)


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
    files = (_webhook_file(), _health_file())
    for fdp in files:
        pool.AddSerializedFile(fdp.data)
    factory = None
    if not hasattr(message_factory, "GetMessageClass"):
        factory = message_factory.MessageFactory(pool)
    namespaces = []
    for fdp in files:
        namespace = Messages()
        for name in fdp.messages:
            setattr(namespace, name, _message_class(pool, factory, fdp.package + "." + name))
        namespaces.append(namespace)
    return namespaces[0], namespaces[1]
