"""`generate`: rewrite the committed schemas; `plan`: init, validate and plan a copy of terraform/
against the fake providers; `serve NAME`: run as Terraform's provider NAME."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.fake_terraform_provider", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="rebuild schemas/*.json from the pinned cdktn bindings")
    commands.add_parser("plan", help="init, validate and plan a copy of terraform/ offline")
    serve = commands.add_parser("serve", help="serve a provider's schema to Terraform (go-plugin)")
    serve.add_argument("provider", help="google or google-beta")
    arguments = parser.parse_args(argv)
    if arguments.command == "generate":
        from devtools.fake_terraform_provider.generate import generate

        for path in generate():
            print(path)
        return 0
    if arguments.command == "plan":
        from devtools.fake_terraform_provider.offline import OfflineTerraform

        with OfflineTerraform() as terraform:
            steps = terraform.check(terraform.copy_root_module())
        for step in steps:
            print(f"$ terraform {step.command}\n{step.output}")
        return 0 if all(step.ok for step in steps) and len(steps) == 3 else 1
    from devtools.fake_terraform_provider.schema import ProviderSchema, schema_path
    from devtools.fake_terraform_provider.server import serve as serve_provider

    return serve_provider(ProviderSchema.read(schema_path(arguments.provider)))


if __name__ == "__main__":
    sys.exit(main())
