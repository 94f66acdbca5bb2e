"""observability (issue 23, its metrics and dashboards part) with a Prometheus Operator the team runs: the
PodMonitors pass the Prometheus Operator's schema (an npm oracle, tests/oracles), Ray's dashboards are
generated from the installed Ray, and every Ray cluster admits the Prometheus pods on exactly the metrics
ports. The byoc stack ships it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT as ROOT_DIR
from conftest import run_stack
from raystack import ConfigError, resolve
from raystack.ray.dashboards import DASHBOARDS, generate
from raystack.ray.monitoring import SCRAPE_PORTS, pod_monitors
from support import mirror_file, npm_oracle

ORACLES = Path(__file__).resolve().parent / "oracles"
PODMONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"


def prometheus_operator_oracle(docs: list[dict]) -> list[str | None]:
    """@kubernetes-models/prometheus-operator's PodMonitor validator (generated from prometheus-operator's Go
    API types): None per valid object, else its message."""
    return npm_oracle("validate.mjs", docs)


def test_the_oracle_can_fail():
    bad = pod_monitors("monitoring", {}, ["ray"])[0]
    bad["spec"]["podMetricsEndpoints"][0]["relabelings"][0]["action"] = "copy"
    bad["spec"]["podMetricsEndpoints"][1]["port"] = 44217
    (problem,) = prometheus_operator_oracle([bad])
    assert problem is not None and "action" in problem and "port" in problem, problem


def test_the_byoc_stacks_monitors_pass_the_prometheus_operators_schema():
    rec = run_stack("byoc")
    monitors = [{"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", **r.inputs}
                for r in rec.of_type(PODMONITOR)]
    assert {m["metadata"]["name"] for m in monitors} == {"raystack-ray-heads", "raystack-ray-workers"}
    assert all(m["metadata"]["labels"] == {"release": "kube-prometheus-stack"} for m in monitors)
    assert all(m["spec"]["namespaceSelector"] == {"matchNames": ["ray"]} for m in monitors)
    assert prometheus_operator_oracle(monitors) == [None, None]


def test_the_scraped_ports_are_declared_and_admitted_and_nothing_else():
    """PodMonitors name container ports: each port they scrape is one the head or worker declares (KubeRay adds
    `metrics` to every Ray container; raystack declares the autoscaler's and the dashboard's on the head), and
    the NetworkPolicy admits the Prometheus pods on exactly those ports."""
    rec = run_stack("byoc")
    (rc,) = [r.inputs for r in rec.of_type("kubernetes:ray.io/v1:RayCluster")]
    head = rc["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    declared = {p["name"]: p["containerPort"] for p in head["ports"]}
    heads = next(m for m in (r.inputs for r in rec.of_type(PODMONITOR)) if m["metadata"]["name"].endswith("heads"))
    scraped = [e["port"] for e in heads["spec"]["podMetricsEndpoints"]]
    assert sorted(declared[p] for p in scraped) == sorted(SCRAPE_PORTS), (declared, scraped)
    env = {e["name"]: e["value"] for e in head["env"]}
    assert env["RAY_GRAFANA_HOST"] == env["RAY_GRAFANA_IFRAME_HOST"] == \
        "http://kube-prometheus-stack-grafana.monitoring.svc"
    assert env["RAY_PROMETHEUS_HOST"] == "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
    (policy,) = [r.inputs for r in rec.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")]
    rules = [r for r in policy["spec"]["ingress"] if r["from"][0].get("namespaceSelector", {}).get(
        "matchLabels", {}).get("kubernetes.io/metadata.name") == "monitoring"]
    assert rules == [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}],
                      "ports": [{"protocol": "TCP", "port": p} for p in SCRAPE_PORTS]}]


def test_each_dashboard_is_the_installed_rays_own_and_fits_a_configmap():
    """The ConfigMaps carry exactly what Ray's grafana_dashboard_factory generates (compacted): the dashboards
    Ray's own head writes for its session. Grafana's provisioning needs a unique uid (at most 40 characters),
    a title and panels with unique ids; a ConfigMap holds at most 1 MiB."""
    from importlib.metadata import version

    from ray.dashboard.modules.metrics import grafana_dashboard_factory as factory

    rec = run_stack("byoc")
    maps = {r.inputs["metadata"]["name"]: r.inputs for r in rec.of_type("kubernetes:core/v1:ConfigMap")
            if r.inputs["metadata"].get("labels", {}).get("grafana_dashboard") == "1"}
    assert len(maps) == len(DASHBOARDS)
    uids = set()
    for name in DASHBOARDS:
        cm = maps[f"raystack-ray-dashboard-{name.replace('_', '-')}"]
        assert cm["metadata"]["annotations"]["raystack.io/ray-version"] == version("ray")
        (content,) = cm["data"].values()
        raw, uid = getattr(factory, f"generate_{name}_grafana_dashboard")()
        assert json.loads(content) == json.loads(raw) and generate(name) == (uid, content), name
        doc = json.loads(content)
        ids = [p["id"] for p in doc["panels"]]
        assert doc["uid"] == uid and len(uid) <= 40 and doc["title"] and len(ids) == len(set(ids)), name
        assert all(t.get("expr") for p in doc["panels"] for t in p.get("targets", [])), name
        assert len(content.encode()) < 1024 * 1024, name
        uids.add(uid)
    assert len(uids) == len(DASHBOARDS)


def base(**obs) -> dict:
    return {"clusterName": "t", "clusterMode": "existing", "kubeconfig": "~/.kube/config", "clusterAutoscaler": False,
            "existingPools": [{"name": "cpu", "nodeSelector": {"r": "cpu"}, "instanceType": "m7i.2xlarge",
                               "maxNodes": 2}],
            "rayClusters": [{"name": "rc", "head": {"pool": "cpu"}, "workerGroups": [{"name": "w", "pool": "cpu"}]}],
            "observability": {"prometheus": "existing", "monitorLabels": {"release": "prom"}, **obs}}


@pytest.mark.parametrize(("obs", "key", "fragment"), [
    ({"prometheus": "none", "dashboards": True}, "observability.prometheus", "nothing scrapes"),
    ({"grafanaHost": "grafana.monitoring.svc"}, "observability.grafanaHost", "must be a URL"),
    ({"grafanaIframeHost": "https://grafana.example.com"}, "observability.grafanaIframeHost", "needs grafanaHost")])
def test_bad_observability_is_refused(obs, key, fragment):
    with pytest.raises(ConfigError) as e:
        resolve(base(**obs))
    got = [(f.key, f.message) for f in e.value.findings]
    assert any(k == f"raystack:{key}" and fragment in m for k, m in got), got


def test_dashboards_without_ray_installed_are_refused_and_can_be_turned_off(monkeypatch):
    from raystack.model import observability

    monkeypatch.setattr(observability, "installed_ray_version", lambda: None)
    with pytest.raises(ConfigError, match=r"pulumi-raystack\[ray\]"):
        resolve(base())
    plan = resolve(base(dashboards=False)).observability
    assert plan is not None and plan.dashboards == ()


def test_unlabelled_monitors_and_dashboards_of_another_ray_are_warned_about():
    p = resolve({**base(monitorLabels={}), "rayVersion": "2.54.0"})
    warned = {w.key: w.message for w in p.warnings}
    assert "release: <its Helm release>" in warned["raystack:observability.monitorLabels"]
    assert "the clusters run Ray 2.54.0" in warned["raystack:observability.dashboards"]


def test_without_observability_nothing_changes_on_the_ray_clusters():
    """Turning observability on changes the heads (ports, variables): without it, a cluster is byte-identical
    to what it was, so existing stacks see no restart on upgrade."""
    off = base()
    del off["observability"]
    on, plain = resolve(base()).ray_clusters[0], resolve(off).ray_clusters[0]
    head = plain.manifest["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert [p["name"] for p in head["ports"]] == ["gcs-server", "dashboard", "metrics"] and "env" not in head
    assert not plain.metrics and on.metrics
    assert len(on.network_policy_spec["ingress"]) == len(plain.network_policy_spec["ingress"]) + 1


def test_the_plan_names_the_monitors_dashboards_and_the_redis_in_its_documented_schema(capsys):
    """The JSON plan's operations section (schema/raystack-plan.schema.json): byoc's observability through the
    CLI, with the whole document checked; the serving stack's created Redis against the section's schema."""
    import jsonschema
    from raystack.preview import cli
    from raystack.preview.operations import operations
    from support import ROOT, stack_spec
    from test_plan import _follows_the_plan_schema

    assert cli.main(["plan", "--project-dir", str(ROOT), "--stack", "byoc", "--format", "json", "--no-ray"]) == 0
    doc = json.loads(capsys.readouterr().out)
    _follows_the_plan_schema(doc)
    obs = doc["operations"]["observability"]
    assert obs["monitors"] == ["monitoring/raystack-ray-heads", "monitoring/raystack-ray-workers"]
    assert obs["dashboards"] == list(DASHBOARDS) and doc["operations"]["gcsFaultTolerance"] is None
    serving = resolve(stack_spec("serving"), stack="serving", region="us-east-1")
    ops = operations(serving)
    schema = json.loads((ROOT / "schema" / "raystack-plan.schema.json").read_text())
    section = {**schema["$defs"]["operations"], "$defs": schema["$defs"]}
    assert not list(jsonschema.Draft202012Validator(section).iter_errors(ops))
    g = ops["gcsFaultTolerance"]
    assert (g["redis"], g["address"], g["passwordFrom"], g["clusters"]) == ("create", None, "generated",
                                                                            ["RayService serving/llm"])
    assert g["managed"] == {"replicationGroupId": "raystack-serving-gcs", "engine": "valkey", "engineVersion": "8.0",
                            "nodeType": "cache.t4g.medium", "nodes": 2, "multiAz": True}


def test_monitors_on_a_cluster_the_stack_creates_are_warned_about():
    """Day 0 of a created cluster has no Prometheus Operator: the PodMonitors would fail that `up`."""
    p = resolve({"clusterName": "c", "apiIngressCidrs": ["10.0.0.0/16"],
                 "observability": {"prometheus": "existing", "monitorLabels": {"release": "prom"}}})
    warned = {w.key: w.message for w in p.warnings}
    assert "install your operator after the first `up`" in warned["raystack:observability.prometheus"]
    assert "raystack:observability.prometheus" not in {w.key for w in resolve(base()).warnings}


# --- prometheus: install (kube-prometheus-stack, pinned) ----------------------------------------------------
def chart_file(tag: str, path: str) -> str:
    return mirror_file("prometheus-community/helm-charts", tag, path)


def test_install_values_are_keys_of_the_pinned_charts():
    """Every value raystack sets is a key of kube-prometheus-stack's values.yaml at the pinned tag (or of the
    subchart it configures, at the version the chart depends on)."""
    import yaml
    from raystack import versions
    from raystack.kube.values import kube_prometheus_stack_values

    chart = versions.KUBE_PROMETHEUS_STACK
    main = yaml.safe_load(chart_file(f"{chart.chart}-{chart.version}", f"charts/{chart.chart}/values.yaml"))
    ksm = yaml.safe_load(chart_file("kube-state-metrics-8.4.0", "charts/kube-state-metrics/values.yaml"))

    def paths(d: dict, at: tuple = ()) -> list[tuple]:
        return [p for k, v in d.items() for p in (paths(v, (*at, k)) if isinstance(v, dict) and v and
                                                   k not in ("nodeSelector", "storageSpec") else [(*at, k)])]
    # The Grafana subchart's grafana.ini is not in kube-prometheus-stack's values.yaml: KubeRay v1.7.0's
    # install/prometheus/overrides.yaml sets the same key for the same chart.
    overrides = yaml.safe_load(mirror_file("ray-project/kuberay", "v1.7.0", "install/prometheus/overrides.yaml"))
    values = kube_prometheus_stack_values({"role": "system"}, 15, 50)
    for path in paths(values):
        tree, rest = {"kube-state-metrics": (ksm, path[1:]), "grafana": (overrides, path)}.get(path[0], (main, path))
        for k in rest:
            assert isinstance(tree, dict) and k in tree, f"{'.'.join(path)}: not a key of the pinned chart's values"
            tree = tree[k]
    # storageSpec goes to the Prometheus resource's spec.storage as it is: its CRD at the tag checks it.
    import jsonschema

    crd = yaml.safe_load(chart_file(f"{chart.chart}-{chart.version}",
                                    f"charts/{chart.chart}/charts/crds/crds/crd-prometheuses.yaml"))
    (v1,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    storage = v1["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["storage"]
    jsonschema.validate(values["prometheus"]["prometheusSpec"]["storageSpec"], storage)
    assert "emptyDir" in storage["properties"]


def test_podmonitors_pass_the_pinned_charts_crd():
    import jsonschema
    import yaml
    from raystack import versions

    chart = versions.KUBE_PROMETHEUS_STACK
    crd = yaml.safe_load(chart_file(f"{chart.chart}-{chart.version}",
                                    f"charts/{chart.chart}/charts/crds/crds/crd-podmonitors.yaml"))
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    validator = jsonschema.Draft7Validator(version["schema"]["openAPIV3Schema"])
    for m in pod_monitors("monitoring", {"release": "x"}, ["ray", "serving"]):
        errors = [e.message for e in validator.iter_errors(m)]
        assert not errors, errors


@pytest.mark.parametrize(("cfg", "key", "fragment"), [
    ({"prometheus": "install"}, "observability.prometheus", "only on a cluster this stack creates"),
    ({"prometheus": "existing", "retentionDays": 7}, "observability.retentionDays", "set prometheus: install")])
def test_an_installed_prometheus_is_refused_where_it_does_not_belong(cfg, key, fragment):
    with pytest.raises(ConfigError) as e:
        resolve({**base(), "observability": cfg})
    assert any(f.key == f"raystack:{key}" and fragment in f.message for f in e.value.findings), e.value.findings


@pytest.mark.parametrize(("obs", "key", "fragment"), [
    ({"namespace": "metrics"}, "observability.namespace", "leave it out"),
    ({"monitorLabels": {"release": "x"}}, "observability.monitorLabels", "selects every PodMonitor"),
    ({"retentionDays": 0}, "observability.retentionDays", "must be 1 to 365"),
    ({"storageGib": 2}, "observability.storageGib", "must be 5 to 1000")])
def test_bad_install_settings_are_refused(obs, key, fragment):
    cfg = {"clusterName": "c", "apiIngressCidrs": ["10.0.0.0/16"],
           "observability": {"prometheus": "install", **obs}}
    with pytest.raises(ConfigError) as e:
        resolve(cfg)
    assert any(f.key == f"raystack:{key}" and fragment in f.message for f in e.value.findings), e.value.findings


def test_an_installed_prometheus_links_the_heads_to_its_own_services():
    p = resolve({"clusterName": "c", "apiIngressCidrs": ["10.0.0.0/16"], "observability": {"prometheus": "install"}})
    obs = p.observability
    assert obs is not None and obs.install and obs.namespace == "monitoring"
    assert obs.head_env == {"RAY_GRAFANA_HOST": "http://kube-prometheus-stack-grafana.monitoring.svc",
                            "RAY_GRAFANA_IFRAME_HOST": "http://127.0.0.1:3000",
                            "RAY_PROMETHEUS_HOST": "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"}
    assert not [w for w in p.warnings if w.key.startswith("raystack:observability.")
                and w.key != "raystack:observability.dashboards"], p.warnings  # that one: Ray 2.60 here, 2.55 there


# --- GPU metrics: dcgm-exporter on the NVIDIA pools the stack creates ----------------------------------------
def test_dcgm_exporter_runs_only_where_nvidia_pools_are_and_its_values_are_the_charts(tmp_path):
    """staging (kube-prometheus-stack, NVIDIA pools) installs dcgm-exporter after the chart that brings the
    ServiceMonitor CRD, in a privileged namespace, on nodes carrying the NVIDIA presence label, which every
    NVIDIA node group of the stack sets; every value is a key of the chart's values.yaml at its tag."""
    import yaml
    from raystack import versions
    from raystack.kube.values import dcgm_exporter_values

    rec = run_stack("staging")
    releases = {r.inputs["name"]: r for r in rec.of_type("kubernetes:helm.sh/v3:Release")}
    dcgm, kps = releases["dcgm-exporter"], releases["kube-prometheus-stack"]
    assert kps.urn in dcgm.dependencies, "the ServiceMonitor CRD comes with kube-prometheus-stack"
    (key, value), = dcgm.inputs["values"]["nodeSelector"].items()
    groups = [g for g in rec.of_type("aws:eks/nodeGroup:NodeGroup") if "l4" in g.name or "l40s" in g.name]
    assert groups and all(g.inputs["labels"].get(key) == value for g in groups), [g.inputs["labels"] for g in groups]
    (ns,) = [r for r in rec.of_type("kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == "dcgm-exporter"]
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert not resolve(base()).observability.gpu_metrics, "no pool the stack creates: nothing to place it on"

    chart_values = yaml.safe_load(mirror_file("NVIDIA/dcgm-exporter", "4.5.3-4.8.2", "deployment/values.yaml"))
    chart = yaml.safe_load(mirror_file("NVIDIA/dcgm-exporter", "4.5.3-4.8.2", "deployment/Chart.yaml"))
    assert chart["version"] == versions.DCGM_EXPORTER.version
    for k, v in dcgm_exporter_values({"release": "x"}).items():
        assert k in chart_values, k
        if k in ("image", "serviceMonitor"):
            assert set(v) <= set(chart_values[k]), (k, set(v) - set(chart_values[k]))
    assert f"{chart_values['image']['repository']}:{chart_values['image']['tag']}" == versions.DCGM_EXPORTER_IMAGE


def test_a_dcgm_exporter_without_the_servicemonitor_crd_fails_as_helm_does():
    from raystack.testing.lifecycle.charts import install_release
    from raystack.testing.lifecycle.errors import CloudError
    from raystack.testing.lifecycle.kube import KubeCluster

    kc = KubeCluster("c")
    release = {"name": "dcgm-exporter", "chart": "dcgm-exporter", "values": {"serviceMonitor": {"enabled": True}}}
    with pytest.raises(CloudError, match='no matches for kind "ServiceMonitor"'):
        install_release(kc, "dcgm-exporter", release)
    install_release(kc, "monitoring", {"name": "kube-prometheus-stack", "chart": "kube-prometheus-stack"})
    install_release(kc, "dcgm-exporter", release)
    assert ("dcgm-exporter", "dcgm-exporter") in kc.releases


def test_the_gpu_dashboard_reads_only_what_the_pinned_dcgm_exporter_exports_by_ray_pod():
    """raystack's own GPU dashboard (ray.gpu_dashboard): each panel one metric of dcgm-exporter's default
    counters at the pinned tag (the mirror; skipped without it), by the pod that holds the GPU, which the
    exporter's ServiceMonitor keeps with honorLabels (else Prometheus renames it exported_pod)."""
    from raystack.kube.values import dcgm_exporter_values
    from raystack.ray.gpu_dashboard import PANELS, UID, gpu_dashboard

    doc = gpu_dashboard()
    ids = [p["id"] for p in doc["panels"]]
    assert doc["uid"] == UID and len(UID) <= 40 and len(ids) == len(set(ids)) == len(PANELS)
    assert all(0 <= p["gridPos"]["x"] and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in doc["panels"])
    for panel, (_, metric, _, _) in zip(doc["panels"], PANELS, strict=True):
        (target,) = panel["targets"]
        assert target["expr"].startswith(f"{metric}{{") and "{{pod}}" in target["legendFormat"], panel["title"]
    assert dcgm_exporter_values({})["serviceMonitor"]["honorLabels"] is True
    counters = mirror_file("NVIDIA/dcgm-exporter", "4.5.3-4.8.2", "etc/default-counters.csv")
    exported = {line.split(",")[0].strip() for line in counters.splitlines() if line and not line.startswith("#")}
    assert {m for _, m, _, _ in PANELS} <= exported, {m for _, m, _, _ in PANELS} - exported


def test_the_gpu_dashboard_ships_where_dcgm_exporter_runs_and_nowhere_else():
    def gpu_maps(rec):
        return [r for r in rec.of_type("kubernetes:core/v1:ConfigMap") if r.inputs["metadata"]["name"] ==
                "raystack-gpu-dashboard"]

    (cm,) = gpu_maps(run_stack("prod"))
    assert cm.inputs["metadata"]["labels"] == {"grafana_dashboard": "1"}
    (content,) = cm.inputs["data"].values()
    assert json.loads(content)["uid"] == "raystack-gpu" and len(content) < 1024 * 1024
    assert not gpu_maps(run_stack("byoc")), "no NVIDIA pool the stack creates: no exporter, no GPU dashboard"


def test_neuron_pools_get_awss_neuron_monitor_in_a_privileged_namespace_with_a_valid_podmonitor():
    """gpuMetrics on the neuron stack: AWS's neuron-monitor DaemonSet (ray.neuron_monitor: image, entrypoint,
    port and privilege of aws-neuron-sdk's k8s-neuron-monitor-daemonset.yml) on the nodes raystack's Neuron node
    groups label, tolerating their taint, in namespace neuron-monitor (Pod Security privileged, named), scraped
    by a PodMonitor that passes the Prometheus Operator's schema and waits for the installed chart's CRDs. No
    dcgm-exporter or GPU dashboard on a stack without NVIDIA pools."""
    from raystack import RayPlatform, testing, versions

    config = {**testing.load_stack_config(testing.load_project(ROOT_DIR), "neuron"),
              "raystack:observability": json.dumps({"prometheus": "install"})}
    rec = testing.run(RayPlatform.from_stack_config, config, stack="neuron")
    (ds,) = rec.of_type("kubernetes:apps/v1:DaemonSet")
    pod = ds.inputs["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == versions.NEURON_MONITOR_IMAGE and container["securityContext"] == {"privileged": True}
    assert pod["nodeSelector"] == {"aws.amazon.com/neuron.present": "true"}
    assert {"key": "aws.amazon.com/neuron", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    (ns,) = [r for r in rec.of_type("kubernetes:core/v1:Namespace") if r.inputs["metadata"]["name"] == "neuron-monitor"]
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert "privileged" in ns.inputs["metadata"]["annotations"]["raystack.io/pod-security-reason"]
    monitors = {r.inputs["metadata"]["name"]: r for r in rec.of_type(PODMONITOR)}
    neuron = monitors["raystack-neuron-monitor"]
    (release,) = [r for r in rec.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "kube-prometheus-stack"]
    assert release.urn in neuron.dependencies, "the PodMonitor kind comes with the chart"
    assert neuron.inputs["spec"]["selector"]["matchLabels"] == ds.inputs["spec"]["selector"]["matchLabels"]
    assert prometheus_operator_oracle([{"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
                                        **neuron.inputs}]) == [None]
    assert not [r for r in rec.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "dcgm-exporter"]
    assert not [r for r in rec.of_type("kubernetes:core/v1:ConfigMap")
                if r.inputs["metadata"]["name"] == "raystack-gpu-dashboard"]
