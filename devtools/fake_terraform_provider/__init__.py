"""A schema-serving stand-in for the Google Terraform providers, so that `terraform validate` and
`terraform plan` run offline (no provider can be downloaded here) and check this repository's
Terraform against the real providers' schemas: unknown and missing arguments, types, references,
cycles.

    python -m devtools.fake_terraform_provider generate         (rewrite schemas/*.json)
    python -m devtools.fake_terraform_provider serve google     (what Terraform launches)
    with plugin_directory(directory): terraform init -plugin-dir directory ...

- `schemas/<provider>.json`: each provider's schema (`schema.py`), trimmed to the resource and data
  source types `terraform/` uses, rebuilt by `generate.py` from the JavaScript of the pinned CDK
  Terrain prebuilt bindings (`cdktn_bindings.py`).
- `server.py`: the plugin process, tfplugin6 over go-plugin, run by `.venv-terraform` (the `tf`
  package's stubs need a protobuf older than the project's).
- `planning.py`: what it answers, without a cloud: unset computed attributes are unknown in a plan,
  placeholders in a data source.
- `plugin_dir.py`: the `-plugin-dir` layout whose executables start `server.py`.
"""
