"""Other languages (issue 13): raystack's components through Pulumi's component provider
(provider/PulumiPlugin.yaml), constructed from plain camelCase dicts with numbers as floats, as a
TypeScript, Go or YAML program's inputs arrive; and the YAML example names real inputs."""

from __future__ import annotations

import json

import pulumi
import yaml
from conftest import ROOT
from raystack import testing
from raystack.provider import COMPONENTS


def _as_engine_sends(value):
    """Through the engine every number is a float."""
    return json.loads(json.dumps(value), parse_int=float)


def _plan_json(stack: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from raystack.preview import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(["plan", "--project-dir", str(ROOT), "--stack", stack, "--format", "json", "--no-ray"])
    return rc, out.getvalue(), err.getvalue()


def test_a_raycluster_is_constructed_through_the_provider_with_plain_dict_args():
    """The pools as `raystack plan --format json` gives them (poolDescriptors, the schema's camelCase)."""
    from pulumi.provider.experimental.component import ComponentProvider

    rc_, out, err = _plan_json("prod")
    descriptors = _as_engine_sends(json.loads(out)["poolDescriptors"])
    pools, head = [descriptors["l40s-x4"]], descriptors["system"]
    provider = ComponentProvider(COMPONENTS, "raystack")
    inputs = _as_engine_sends({
        "cluster": {"name": "research", "namespace": "ml",
                    "workerGroups": [{"name": "gpu", "pool": "l40s-x4", "acceleratorsPerWorker": 1, "maxWorkers": 2}]},
        "pools": pools, "headPool": head})

    def program():
        provider.construct("research", "raystack:index:RayCluster", inputs, pulumi.ResourceOptions())

    rec = testing.run(program, {})
    (rc,) = rec.of_type("kubernetes:ray.io/v1:RayCluster")
    (group,) = rc.inputs["spec"]["workerGroupSpecs"]
    assert group["maxReplicas"] == 2 and group["template"]["spec"]["containers"][0]["resources"]["limits"][
        "nvidia.com/gpu"] == "1", rc.urn
    assert rc.parent.endswith("raystack:index:RayCluster::research")


def test_the_yaml_example_uses_the_components_schema():
    from pulumi.provider.experimental.analyzer import Analyzer

    components = Analyzer("raystack").analyze(COMPONENTS)["component_definitions"]
    doc = yaml.safe_load((ROOT / "examples" / "yaml-team" / "Pulumi.yaml").read_text())
    assert doc["runtime"] == "yaml" and doc["packages"]["raystack"] == "../../provider"
    assert (ROOT / "provider" / "PulumiPlugin.yaml").exists()
    for name, res in doc["resources"].items():
        component = res["type"].rsplit(":", 1)[-1]
        inputs = set(components[component].inputs)
        assert set(res["properties"]) <= inputs, (name, set(res["properties"]) - inputs)


def test_a_rayjob_is_constructed_through_the_provider_too():
    from pulumi.provider.experimental.component import ComponentProvider

    _rc, out, _err = _plan_json("prod")
    descriptors = _as_engine_sends(json.loads(out)["poolDescriptors"])
    provider = ComponentProvider(COMPONENTS, "raystack")
    inputs = _as_engine_sends({
        "job": {"name": "eval", "namespace": "ml", "entrypoint": "python -m evals.run",
                "rayCluster": {"workerGroups": [{"name": "gpu", "pool": "l40s-x4", "acceleratorsPerWorker": 1,
                                                 "maxWorkers": 1}]}},
        "pools": [descriptors["l40s-x4"]], "headPool": descriptors["system"]})

    def program():
        provider.construct("eval", "raystack:index:RayJob", inputs, pulumi.ResourceOptions())

    rec = testing.run(program, {})
    (job,) = rec.of_type("kubernetes:ray.io/v1:RayJob")
    assert job.inputs["spec"]["entrypoint"] == "python -m evals.run"
    assert job.inputs["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["maxReplicas"] == 1, job.urn
