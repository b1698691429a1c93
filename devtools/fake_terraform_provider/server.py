"""The fake provider's process: tfplugin6 over gRPC, launched by Terraform through go-plugin.

go-plugin's contract (hashicorp/go-plugin `docs/internals.md`, `server.go`, `mtls.go`): Terraform
starts the executable with `TF_PLUGIN_MAGIC_COOKIE` and, for automatic mutual TLS, its own client
certificate in `PLUGIN_CLIENT_CERT`; the plugin serves gRPC over TLS (here on a unix socket) and
prints one line, `1|6|unix|<socket>|grpc|<its own DER certificate, base64 without padding>`, the
certificate valid for the server name `localhost`. Terraform ends the plugin with
`plugin.GRPCController/Shutdown`; the process also stops on SIGTERM or when its parent is gone, and
removes its socket's directory.

Needs `grpcio`, `msgpack` and the tfplugin6 stubs of the PyPI package `tf` (the `.venv-terraform`
environment, `make install`); the schema and the answers are in `schema.py` and `planning.py`.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import sys
import tempfile
import threading
from concurrent import futures
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import msgpack
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from devtools.fake_terraform_provider.planning import Unknown, plan_resource, read_data_source
from devtools.fake_terraform_provider.schema import Block, Nesting, ProviderSchema

MAGIC_COOKIE = ("TF_PLUGIN_MAGIC_COOKIE", "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")
NESTING = {Nesting.SINGLE: pb.Schema.NestedBlock.SINGLE, Nesting.LIST: pb.Schema.NestedBlock.LIST,
           Nesting.SET: pb.Schema.NestedBlock.SET}
UNKNOWN_CODES = (0, 12)  # cty's msgpack extensions for an unknown value, plain and refined


def decode(value: pb.DynamicValue) -> Any:
    if value.msgpack:
        return msgpack.unpackb(value.msgpack, ext_hook=_ext_hook, strict_map_key=False)
    if value.json:
        return json.loads(value.json)
    return None


def encode(value: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=msgpack.packb(value, default=_ext_default))


def _ext_hook(code: int, data: bytes) -> Any:
    return Unknown(code, data) if code in UNKNOWN_CODES else msgpack.ExtType(code, data)


def _ext_default(value: Any) -> Any:
    if isinstance(value, Unknown):
        return msgpack.ExtType(value.code, value.data)
    raise TypeError(f"cannot encode {value!r}")


def block_proto(block: Block) -> pb.Schema.Block:
    return pb.Schema.Block(
        attributes=[pb.Schema.Attribute(name=name, type=json.dumps(attribute.type).encode(),
                                        required=attribute.required, optional=attribute.optional,
                                        computed=attribute.computed)
                    for name, attribute in sorted(block.attributes.items())],
        block_types=[pb.Schema.NestedBlock(type_name=name, block=block_proto(nested.block),
                                           nesting=NESTING[nested.nesting], min_items=nested.min_items,
                                           max_items=nested.max_items)
                     for name, nested in sorted(block.blocks.items())])


class FakeProvider(rpc.ProviderServicer):
    """Serves one provider's schema; plans and reads without calling any cloud."""

    def __init__(self, schema: ProviderSchema) -> None:
        self.schema = schema
        self._response = pb.GetProviderSchema.Response(
            provider=pb.Schema(block=block_proto(schema.provider)),
            resource_schemas={name: pb.Schema(block=block_proto(block)) for name, block in schema.resources.items()},
            data_source_schemas={name: pb.Schema(block=block_proto(block))
                                 for name, block in schema.data_sources.items()},
            server_capabilities=pb.ServerCapabilities(plan_destroy=True))

    def GetMetadata(self, request, context):
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=name) for name in self.schema.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=name) for name in self.schema.data_sources])

    def GetProviderSchema(self, request, context):
        return self._response

    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request, context):
        return pb.ConfigureProvider.Response()

    def UpgradeResourceState(self, request, context):
        state = json.loads(request.raw_state.json) if request.raw_state.json else None
        return pb.UpgradeResourceState.Response(upgraded_state=encode(state))

    def ReadResource(self, request, context):
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request, context):
        planned = plan_resource(self.schema.resources[request.type_name], decode(request.prior_state),
                                decode(request.proposed_new_state))
        return pb.PlanResourceChange.Response(planned_state=encode(planned), planned_private=request.prior_private)

    def ReadDataSource(self, request, context):
        state = read_data_source(self.schema.data_sources[request.type_name], decode(request.config))
        return pb.ReadDataSource.Response(state=encode(state))

    def StopProvider(self, request, context):
        return pb.StopProvider.Response()


def _certificate() -> tuple[bytes, grpc.ServerCredentials]:
    """A fresh self-signed certificate for `localhost` (kept in memory only) and the server's TLS
    credentials. Terraform's client certificate is not required: go-plugin's has an ECDSA P-521 key,
    whose signature scheme gRPC's BoringSSL does not ask for, so Go sends none and a server that
    requires one fails the handshake (PEER_DID_NOT_RETURN_A_CERTIFICATE); the socket lives in a
    directory only this user can enter."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                                         x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                   .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    credentials = grpc.ssl_server_credentials([(key_pem, certificate.public_bytes(serialization.Encoding.PEM))])
    return certificate.public_bytes(serialization.Encoding.DER), credentials


def serve(schema: ProviderSchema) -> int:
    """Serve until Terraform shuts the plugin down (or goes away); the exit status."""
    key, cookie = MAGIC_COOKIE
    if os.environ.get(key) != cookie:
        print("This is a Terraform provider plugin: Terraform starts it.", file=sys.stderr)
        return 1
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda number, frame: stopped.set())
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    rpc.add_ProviderServicer_to_server(FakeProvider(schema), server)

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request, context):
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request, context):
            return iter(())

    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    parent = os.getppid()
    with tempfile.TemporaryDirectory(prefix="fake-tf-provider-") as directory:
        socket = os.path.join(directory, "plugin.sock")
        der, credentials = _certificate()
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        certificate = base64.b64encode(der).decode().rstrip("=")
        print(f"1|6|unix|{socket}|grpc|{certificate}", flush=True)
        while not stopped.wait(0.1) and os.getppid() == parent:
            pass
        server.stop(grace=0.5).wait()
    return 0
