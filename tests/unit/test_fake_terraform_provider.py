"""The fake Terraform provider's pure parts: the schema rebuilt from cdktn bindings (on a miniature of
their JavaScript), the plans and data source reads it answers, the committed schemas and the plugin
directory. The process itself is run by Terraform in tests/lint/test_terraform_plan.py."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from devtools.fake_terraform_provider.cdktn_bindings import Bindings, UnknownBinding
from devtools.fake_terraform_provider.generate import (
    PACKAGES,
    Package,
    required_sources,
    schema_from_tarball,
    used_types,
)
from devtools.fake_terraform_provider.planning import UNKNOWN, placeholder, plan_resource, read_data_source
from devtools.fake_terraform_provider.plugin_dir import executable, os_arch, plugin_directory
from devtools.fake_terraform_provider.schema import (
    Attribute,
    Block,
    NestedBlock,
    Nesting,
    ProviderSchema,
    committed_schemas,
    schema_path,
)

# The shapes the generated bindings use, cut down to one resource (see cdktn_bindings' docstring).
JAVASCRIPT = '''
function demoQueuePushToHclTerraform(struct) {
    const attrs = {
        endpoint: {
            value: cdktn.stringToHclTerraform(struct.endpoint),
            isBlock: false,
            type: "simple",
            storageClassType: "string",
        },
        token: {
            value: demoQueuePushTokenToHclTerraform(struct.token),
            isBlock: true,
            type: "list",
            storageClassType: "DemoQueuePushTokenList",
        },
    };
    return attrs;
}
function demoQueuePushTokenToHclTerraform(struct) {
    const attrs = {
        audience: {
            value: cdktn.stringToHclTerraform(struct.audience),
            isBlock: false,
            type: "simple",
            storageClassType: "string",
        },
    };
    return attrs;
}
function demoQueueRuleToHclTerraform(struct) {
    const attrs = {
        names: {
            value: cdktn.listMapperHcl(cdktn.stringToHclTerraform, false)(struct.names),
            isBlock: false,
            type: "set",
            storageClassType: "stringList",
        },
    };
    return attrs;
}
function demoQueueTimeoutsToHclTerraform(struct) {
    const attrs = {
        create: {
            value: cdktn.stringToHclTerraform(struct.create),
            isBlock: false,
            type: "simple",
            storageClassType: "string",
        },
    };
    return attrs;
}
class DemoQueuePushTokenOutputReference extends cdktn.ComplexObject {
    // audience - computed: false, optional: false, required: true
    _audience;
    get audience() {
        return this.getStringAttribute('audience');
    }
}
class DemoQueuePushOutputReference extends cdktn.ComplexObject {
    // endpoint - computed: false, optional: true, required: false
    _endpoint;
    get endpoint() {
        return this.getStringAttribute('endpoint');
    }
    // state - computed: true, optional: false, required: false
    get state() {
        return this.getStringAttribute('state');
    }
    // token - computed: false, optional: true, required: false
    _token = new DemoQueuePushTokenOutputReference(this, "token");
    get token() {
        return this._token;
    }
}
class DemoQueueRuleOutputReference extends cdktn.ComplexObject {
    // names - computed: false, optional: true, required: false
    _names;
    get names() {
        return cdktn.Fn.tolist(this.getListAttribute('names'));
    }
}
class DemoQueueConditionsOutputReference extends cdktn.ComplexObject {
    // message - computed: true, optional: false, required: false
    get message() {
        return this.getStringAttribute('message');
    }
    // count - computed: true, optional: false, required: false
    get count() {
        return this.getNumberAttribute('count');
    }
}
class DemoQueueConditionsList extends cdktn.ComplexList {
}
class DemoQueue extends cdktn.TerraformResource {
    static tfResourceType = "demo_queue";
    // conditions - computed: true, optional: false, required: false
    _conditions = new DemoQueueConditionsList(this, "conditions", false);
    get conditions() {
        return this._conditions;
    }
    // effective_labels - computed: true, optional: false, required: false
    _effectiveLabels = new cdktn.StringMap(this, "effective_labels");
    get effectiveLabels() {
        return this._effectiveLabels;
    }
    // enabled - computed: true, optional: true, required: false
    _enabled;
    get enabled() {
        return this.getBooleanAttribute('enabled');
    }
    // name - computed: false, optional: false, required: true
    _name;
    get name() {
        return this.getStringAttribute('name');
    }
    // push - computed: false, optional: false, required: true
    _push = new DemoQueuePushOutputReference(this, "push");
    get push() {
        return this._push;
    }
    // rule - computed: false, optional: true, required: false
    _rule = new structs0.DemoQueueRuleList(this, "rule", true);
    get rule() {
        return this._rule;
    }
    // timeouts - computed: false, optional: true, required: false
    _timeouts = new DemoQueueTimeoutsOutputReference(this, "timeouts");
    get timeouts() {
        return this._timeouts;
    }
    synthesizeHclAttributes() {
        const attrs = {
            enabled: {
                value: cdktn.booleanToHclTerraform(this._enabled),
                isBlock: false,
                type: "simple",
                storageClassType: "boolean",
            },
            name: {
                value: cdktn.stringToHclTerraform(this._name),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            push: {
                value: demoQueuePushToHclTerraform(this._push.internalValue),
                isBlock: true,
                type: "list",
                storageClassType: "DemoQueuePushList",
            },
            rule: {
                value: cdktn.listMapperHcl(demoQueueRuleToHclTerraform, true)(this._rule.internalValue),
                isBlock: true,
                type: "set",
                storageClassType: "DemoQueueRuleList",
            },
            timeouts: {
                value: demoQueueTimeoutsToHclTerraform(this._timeouts.internalValue),
                isBlock: true,
                type: "struct",
                storageClassType: "DemoQueueTimeouts",
            },
        };
    }
}
class DemoProvider extends cdktn.TerraformProvider {
    static tfResourceType = "demo";
    // alias - computed: false, optional: true, required: false
    _alias;
    get alias() {
        return this._alias;
    }
    // region - computed: false, optional: true, required: false
    _region;
    get region() {
        return this._region;
    }
    synthesizeHclAttributes() {
        const attrs = {
            alias: {
                value: cdktn.stringToHclTerraform(this._alias),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            region: {
                value: cdktn.stringToHclTerraform(this._region),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            default_labels: {
                value: cdktn.hashMapperHcl(cdktn.stringToHclTerraform)(this._defaultLabels),
                isBlock: false,
                type: "map",
                storageClassType: "stringMap",
            },
        };
    }
}
'''


@pytest.fixture(scope="module")
def demo_queue() -> Block:
    bindings = Bindings(JAVASCRIPT)
    assert bindings.roots() == {"demo_queue": ("resource", "DemoQueue"), "demo": ("provider", "DemoProvider")}
    return bindings.root_block("DemoQueue")


def test_attributes_keep_their_flags_and_types(demo_queue):
    assert demo_queue.attributes["name"] == Attribute("string", required=True)
    assert demo_queue.attributes["enabled"] == Attribute("bool", optional=True, computed=True)
    assert demo_queue.attributes["effective_labels"] == Attribute(["map", "string"], computed=True)


def test_a_computed_list_of_objects_is_an_attribute(demo_queue):
    assert demo_queue.attributes["conditions"] == Attribute(
        ["list", ["object", {"message": "string", "count": "number"}]], computed=True)


def test_blocks_keep_their_nesting(demo_queue):
    push = demo_queue.blocks["push"]
    assert (push.nesting, push.min_items, push.max_items) == (Nesting.LIST, 1, 1)
    assert push.block.attributes["state"] == Attribute("string", computed=True)
    assert push.block.blocks["token"].block.attributes["audience"] == Attribute("string", required=True)
    rule = demo_queue.blocks["rule"]
    assert (rule.nesting, rule.min_items, rule.max_items) == (Nesting.SET, 0, 0)
    assert rule.block.attributes["names"] == Attribute(["set", "string"], optional=True)
    assert demo_queue.blocks["timeouts"].nesting is Nesting.SINGLE
    assert demo_queue.blocks["timeouts"].block.attributes["create"] == Attribute("string", optional=True)


def test_settable_only_attributes_take_their_storage_class():
    provider = Bindings(JAVASCRIPT).root_block("DemoProvider")
    assert provider.attributes["default_labels"] == Attribute(["map", "string"], optional=True)


def test_an_unknown_shape_stops_the_generation():
    javascript = '''class Odd extends cdktn.TerraformResource {
    static tfResourceType = "odd";
    // weird - computed: true, optional: false, required: false
    get weird() {
        return this.getFancyAttribute('weird');
    }
}
'''
    with pytest.raises(UnknownBinding, match="getFancyAttribute"):
        Bindings(javascript).root_block("Odd")


def _tarball(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def test_a_package_tarball_becomes_a_trimmed_schema():
    """The classes of one resource may be split between index.js and index-structs/; the provider's
    `alias` (a meta-argument the bindings add) is not part of its schema."""
    cut = JAVASCRIPT.index("class DemoQueuePushTokenOutputReference")
    tarball = _tarball({"package/lib/demo-queue/index.js": JAVASCRIPT[cut:],
                        "package/lib/demo-queue/index-structs/structs0.js": JAVASCRIPT[:cut],
                        "package/README.md": "not read"})
    package = Package("example/demo", "1.2.3", "cdktn-provider-demo", "4.5.6")
    schema = schema_from_tarball(package, tarball, used=None)
    assert (schema.source, schema.version, schema.generated_from) == ("example/demo", "1.2.3",
                                                                      "cdktn-provider-demo==4.5.6")
    assert set(schema.provider.attributes) == {"region", "default_labels"}
    assert schema.resources["demo_queue"] == Bindings(JAVASCRIPT).root_block("DemoQueue")
    trimmed = schema_from_tarball(package, tarball, used={"resource": set(), "data": set()})
    assert trimmed.resources == {} and trimmed.provider == schema.provider


def test_the_types_and_providers_a_module_uses(tmp_path: Path):
    (tmp_path / "modules" / "queue").mkdir(parents=True)
    (tmp_path / "main.tf").write_text('resource "demo_queue" "a" {}\ndata "demo_topic" "b" {}\n'
                                      'resource "terraform_data" "c" {}\n')
    (tmp_path / "modules" / "queue" / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    demo = {\n      source  = "example/demo"\n'
        '      version = "~> 1.0"\n    }\n  }\n}\n')
    assert used_types(tmp_path) == {"resource": {"demo_queue"}, "data": {"demo_topic"}}
    assert required_sources(tmp_path) == {"example/demo"}


def test_a_created_resource_leaves_unset_computed_attributes_unknown(demo_queue):
    proposed = {"name": "calls", "enabled": None, "conditions": None, "effective_labels": None,
                "push": [{"endpoint": "https://example.com", "state": None, "token": []}], "rule": [],
                "timeouts": None}
    planned = plan_resource(demo_queue, None, proposed)
    assert planned["name"] == "calls"
    assert planned["enabled"] is planned["conditions"] is planned["effective_labels"] is UNKNOWN
    assert planned["push"] == [{"endpoint": "https://example.com", "state": UNKNOWN, "token": []}]
    assert planned["timeouts"] is None


def test_an_update_and_a_destroy_are_planned_as_proposed(demo_queue):
    prior = {"name": "calls", "enabled": True}
    assert plan_resource(demo_queue, prior, {"name": "calls", "enabled": True}) == {"name": "calls", "enabled": True}
    assert plan_resource(demo_queue, prior, None) is None


def test_a_data_source_is_read_with_placeholders(demo_queue):
    read = read_data_source(demo_queue, {"name": "calls", "enabled": True, "conditions": None,
                                         "effective_labels": None, "push": [], "rule": [], "timeouts": None})
    assert read["enabled"] is True
    assert read["conditions"] == [] and read["effective_labels"] == {}
    assert placeholder("project_number", "string") == "fake-project-number"
    assert placeholder("x", ["object", {"n": "number", "on": "bool"}]) == {"n": 1, "on": False}


def test_a_schema_survives_its_json(demo_queue):
    schema = ProviderSchema(source="example/demo", version="1.0.0", generated_from="demo==1",
                            provider=Block({"region": Attribute("string", optional=True)}),
                            resources={"demo_queue": demo_queue},
                            data_sources={"demo_queue": Block(blocks={"x": NestedBlock(Block(), Nesting.SET)})})
    assert ProviderSchema.from_json(schema.to_json()) == schema


def test_the_committed_schemas_are_the_pinned_packages_trimmed_to_what_terraform_uses():
    schemas = {schema.name: schema for schema in committed_schemas()}
    assert {name: schema.generated_from for name, schema in schemas.items()} == \
        {package.name: package.requirement for package in PACKAGES}
    assert required_sources() <= {schema.source for schema in schemas.values()}
    used = used_types()
    for schema in schemas.values():
        assert set(schema.resources) <= used["resource"] and set(schema.data_sources) <= used["data"]
    google = schemas["google"]
    assert google.resources["google_pubsub_subscription"].attributes["topic"] == Attribute("string", required=True)
    assert "alias" not in google.provider.attributes
    assert schema_path("google").exists()


def test_the_plugin_directory_has_one_executable_per_provider(tmp_path):
    written = plugin_directory(tmp_path)
    assert sorted(written) == sorted(executable(tmp_path, schema) for schema in committed_schemas())
    google = executable(tmp_path, next(schema for schema in committed_schemas() if schema.name == "google"))
    assert google.relative_to(tmp_path).as_posix() == \
        f"registry.terraform.io/hashicorp/google/7.46.1/{os_arch()}/terraform-provider-google_v7.46.1"
    assert os.access(google, os.X_OK)
    assert "-m devtools.fake_terraform_provider serve google" in google.read_text()
