"""Bad stack config fails at preview with one clear message per mistake, and nothing is registered.

Every case runs the real stack program path (``RayPlatform.from_stack_config``) under the mock
engine with the case's ``raystack:*`` config, and asserts: a ConfigError, the key path (or the
misspelled key) named in the message, the expected hint, no follow-on finding invented from the
same mistake, and not a single resource registered.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from raystack import ConfigError, RayPlatform, testing

BASE: dict[str, Any] = {
    "clusterName": "unit",
    "apiIngressCidrs": ["10.10.0.0/16"],
    "network": {"cidr": "10.10.0.0/16"},
    "systemPool": {"instanceType": "m7i.xlarge", "minSize": 2, "maxSize": 3},
    "gpuPools": [{"name": "l4", "instanceType": "g6.xlarge", "maxSize": 2},
                 {"name": "x4", "instanceType": "g6e.12xlarge", "maxSize": 2}],
    "rayClusters": [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"}]}],
}
EXISTING: dict[str, Any] = {
    "clusterName": "team", "clusterMode": "existing", "kubeconfig": "~/.kube/config", "clusterAutoscaler": False,
    "existingPools": [{"name": "cpu", "nodeSelector": {"role": "cpu"}, "instanceType": "m7i.2xlarge", "maxNodes": 2},
                      {"name": "a10g", "nodeSelector": {"pool": "a10g"}, "instanceType": "g5.12xlarge",
                       "maxNodes": 2}],
    "rayClusters": [{"name": "rc", "head": {"pool": "cpu"}, "workerGroups": [{"name": "w", "pool": "a10g"}]}],
}


def cfg(base: dict[str, Any] = BASE, **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def pool(index: int = 0, **changes: Any) -> list[dict[str, Any]]:
    p = [copy.deepcopy(BASE["gpuPools"][0]), copy.deepcopy(BASE["gpuPools"][1])]
    p[index].update(changes)
    return p


def group(**changes: Any) -> list[dict[str, Any]]:
    return [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4", **changes}]}]


def cluster(**changes: Any) -> list[dict[str, Any]]:
    return [{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"}], **changes}]


def heads(n: int, cpu: int = 2, mem: int = 8) -> list[dict[str, Any]]:
    return [{"name": f"rc{i}", "head": {"cpu": cpu, "memoryGib": mem}} for i in range(n)]


def _tpu(selector: dict[str, str], per_host: int = 4) -> dict[str, Any]:
    return cfg(EXISTING, existingPools=[EXISTING["existingPools"][0], {
        "name": "tpu", "nodeSelector": selector, "acceleratorKind": "tpu", "acceleratorModel": "v5e",
        "acceleratorsPerNode": per_host, "allocatableCpuMillis": 20000, "allocatableMemoryMib": 40000, "maxNodes": 4}],
        rayClusters=[{"name": "rc", "head": {"pool": "cpu"},
                      "workerGroups": [{"name": "w", "pool": "tpu", "image": "ghcr.io/acme/ray-tpu:2.55.0"}]}])


def _serve(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": "s", "serveConfigV2": {"applications": [{"name": "a", "import_path": "m:app", "route_prefix": "/",
                                                             "deployments": [{"name": "d", **deployment}]}]},
             "rayCluster": {"workerGroups": [{"name": "w", "pool": "l4", "maxWorkers": 2}]}}]


# (id, config, key named, fragment of the message)
TOP_LEVEL_TYPOS = [
    ("typo-rayCluster", cfg(rayCluster=[], rayClusters=None), "raystack:rayCluster", "did you mean 'rayClusters'"),
    ("typo-protec", cfg(protec=True), "raystack:protec", "did you mean 'protect'"),
    ("typo-kubernetesVerison", cfg(kubernetesVerison="1.35"), "raystack:kubernetesVerison",
     "did you mean 'kubernetesVersion'"),
    ("typo-gpuPool", cfg(gpuPool=[]), "raystack:gpuPool", "did you mean 'gpuPools'"),
    ("typo-clustername", cfg(clustername="x"), "raystack:clustername", "did you mean 'clusterName'"),
    ("typo-endpointPublicAcess", cfg(endpointPublicAcess=True), "raystack:endpointPublicAcess",
     "did you mean 'endpointPublicAccess'"),
    ("typo-systemPools", cfg(systemPools={}), "raystack:systemPools", "did you mean 'systemPool'"),
    ("typo-networks", cfg(networks={}), "raystack:networks", "did you mean 'network'"),
    ("typo-adminRoleArn", cfg(adminRoleArn=[]), "raystack:adminRoleArn", "did you mean 'adminRoleArns'"),
    ("typo-rayversion", cfg(rayversion="2.55.0"), "raystack:rayversion", "did you mean 'rayVersion'"),
    ("typo-clusterAutoScaler", cfg(clusterAutoScaler=False), "raystack:clusterAutoScaler",
     "did you mean 'clusterAutoscaler'"),
    ("typo-existingPool", cfg(existingPool=[]), "raystack:existingPool", "did you mean 'existingPools'"),
    ("typo-snake-case", cfg(cluster_name="x"), "raystack:cluster_name", "did you mean 'clusterName'"),
]

NESTED = [
    ("pool-typo-key", cfg(gpuPools=[{"name": "l4", "instanceTyp": "g6.xlarge"}]), "raystack:gpuPools[0].instanceTyp",
     "did you mean 'instanceType'"),
    ("pool-unknown-instance", cfg(gpuPools=pool(instanceType="g6.xlarg")), "raystack:gpuPools[0].instanceType",
     "did you mean 'g6.xlarge'"),
    ("pool-cpu-instance", cfg(gpuPools=pool(instanceType="m7i.xlarge")), "raystack:gpuPools[0].instanceType",
     "has no accelerator"),
    ("pool-not-implemented", cfg(gpuPools=pool(instanceType="dl1.24xlarge")), "raystack:gpuPools[0].instanceType",
     "gaudi pools are not implemented"),
    ("pool-trn2-unsupported", cfg(gpuPools=pool(instanceType="trn2.48xlarge")), "raystack:gpuPools[0].instanceType",
     "Trainium2 is not supported yet"),
    ("group-neuron-needs-image", cfg(gpuPools=pool(instanceType="inf2.xlarge")),
     "raystack:rayClusters[0].workerGroups[0].image", "no public rayproject/ray image"),
    ("group-neuron-partial-devices", cfg(gpuPools=pool(instanceType="trn1.32xlarge"), rayClusters=[{
        "name": "rc", "image": "registry.example.com/ml/neuron:2.55.0",
        "workerGroups": [{"name": "w", "pool": "l4", "acceleratorsPerWorker": 4}]}]),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "take 1 device or all 16"),
    ("pool-capacity-enum", cfg(gpuPools=pool(capacityType="spot")), "raystack:gpuPools[0].capacityType",
     "did you mean 'SPOT'"),
    ("pool-os-enum", cfg(gpuPools=pool(os="windows")), "raystack:gpuPools[0].os", "'al2023'"),
    ("pool-os-aks-on-eks", cfg(gpuPools=pool(os="ubuntu")), "raystack:gpuPools[0].os",
     "EKS pools run al2023 or bottlerocket"),
    ("pool-spot-price-on-eks", cfg(gpuPools=pool(capacityType="SPOT", spotMaxPrice=1.0)),
     "raystack:gpuPools[0].spotMaxPrice", "only on AKS"),
    ("azure-settings-on-eks", cfg(azure={"resourceGroupName": "rg"}), "raystack:azure", "only with cloud: azure"),
    ("system-pool-spot-on-eks", cfg(systemPool={"instanceType": "m7i.xlarge", "capacityType": "SPOT"}),
     "raystack:systemPool.capacityType", "must be ON_DEMAND"),
    ("storage-scope-on-eks", cfg(rayClusters=[{"name": "rc", "serviceAccount": {"name": "rc-sa", "podIdentity": {
        "storageRead": ["/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z"]}},
        "workerGroups": [{"name": "w", "pool": "l4"}]}]),
     "raystack:rayClusters[0].serviceAccount.podIdentity.storageRead", "only with cloud: azure"),
    ("pool-min-over-max", cfg(gpuPools=pool(minSize=3, maxSize=2)), "raystack:gpuPools[0].minSize", "allowed 0..2"),
    ("pool-max-zero", cfg(gpuPools=pool(maxSize=0)), "raystack:gpuPools[0].maxSize", "1 or more"),
    ("pool-min-negative", cfg(gpuPools=pool(minSize=-1)), "raystack:gpuPools[0].minSize", "0 or more"),
    ("pool-disk-small", cfg(gpuPools=pool(diskSizeGib=20)), "raystack:gpuPools[0].diskSizeGib", "100 GiB"),
    ("pool-efa-on-a-type-without", cfg(gpuPools=pool(efa=True)), "raystack:gpuPools[0].efa",
     "g6.xlarge has no EFA raystack wires"),
    ("pool-efa-with-spot-alternatives", cfg(gpuPools=pool(instanceType="p5.48xlarge", efa=True, capacityType="SPOT",
                                                          spotAlternatives=["p5e.48xlarge"])),
     "raystack:gpuPools[0].spotAlternatives", "not allowed with efa"),
    ("group-efa-fraction", cfg(gpuPools=pool(instanceType="p4d.24xlarge", efa=True), rayClusters=[{
        "name": "rc", "workerGroups": [{"name": "w", "pool": "l4", "acceleratorsPerWorker": 1}]}]),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "4 EFA interfaces for 8 nvidia.com/gpu"),
    ("pool-odcr-without-az", cfg(gpuPools=pool(capacityReservationId="cr-0123456789abcdef0")),
     "raystack:gpuPools[0].availabilityZone", "required with capacityReservationId"),
    ("pool-az-other-region", cfg(gpuPools=pool(capacityReservationId="cr-1", availabilityZone="eu-west-1a")),
     "raystack:gpuPools[0].availabilityZone", "region us-east-1"),
    # Issue 25: a Capacity Block in an AZ where the cluster has no subnet fails at resolve, at the key.
    ("pool-cb-az-without-subnet", cfg(network={"cidr": "10.10.0.0/16", "availabilityZones": ["us-east-1a", "us-east-1b"]},
                                      gpuPools=pool(instanceType="p5.48xlarge", capacityType="CAPACITY_BLOCK",
                                                    capacityReservationId="cr-0123456789abcdef0",
                                                    availabilityZone="us-east-1c", maxSize=1)),
     "raystack:gpuPools[0].availabilityZone", "the cluster has no subnet there"),
    ("allow-from-namespace-not-dns", cfg(rayClusters=cluster(allowFrom=[{"namespaces": ["Team_A"], "ports": [8265]}])),
     "raystack:rayClusters[0].allowFrom[0].namespaces[0]", "DNS-1123 label"),
    ("pool-cb-no-reservation", cfg(gpuPools=pool(instanceType="p5.48xlarge", capacityType="CAPACITY_BLOCK",
                                                 availabilityZone="us-east-1a")),
     "raystack:gpuPools[0].capacityReservationId", "required"),
    ("pool-spot-reservation", cfg(gpuPools=pool(capacityType="SPOT", capacityReservationId="cr-1")),
     "raystack:gpuPools[0].capacityReservationId", "not allowed"),
    ("pool-bad-name", cfg(gpuPools=pool(1, name="X4_pool")), "raystack:gpuPools[1].name", "DNS-1123"),
    ("pool-name-system", cfg(gpuPools=pool(1, name="system")), "raystack:gpuPools[1].name", "not 'system'"),
    # A broken pool is reported once: the worker groups bound to it add nothing.
    ("pool-broken-no-cascade", cfg(gpuPools=pool(instanceType="g9.huge")), "raystack:gpuPools[0].instanceType",
     "allowed:"),
    ("system-broken-no-cascade", cfg(systemPool={"instanceType": "m9.huge"}), "raystack:systemPool.instanceType",
     "allowed: c7i."),
    ("pool-duplicate", cfg(gpuPools=[BASE["gpuPools"][0], BASE["gpuPools"][0]]), "raystack:gpuPools[1].name",
     "unique"),
    ("pool-owned-label", cfg(gpuPools=pool(labels={"raystack.io/pool": "other"})),
     "raystack:gpuPools[0].labels['raystack.io/pool']", "sets this label itself"),
    ("pool-owned-presence-label", cfg(gpuPools=pool(labels={"nvidia.com/gpu.present": "false"})),
     "raystack:gpuPools[0].labels['nvidia.com/gpu.present']", "sets this label itself"),
    ("pool-label-key-syntax", cfg(gpuPools=pool(labels={"team name": "ml"})),
     "raystack:gpuPools[0].labels['team name']", "qualified name"),
    ("pool-label-value-syntax", cfg(gpuPools=pool(labels={"team": "machine learning"})),
     "raystack:gpuPools[0].labels['team']", "label value"),
    ("pool-taint-key-syntax", cfg(gpuPools=pool(taints=[{"key": "bad key", "value": "x", "effect": "NoSchedule"}])),
     "raystack:gpuPools[0].taints[0].key", "taint key"),
    ("pool-taint-without-value", cfg(gpuPools=pool(taints=[{"key": "dedicated", "effect": "NoSchedule"}])),
     "raystack:gpuPools[0].taints[0].value", "ignores taints without a value"),
    ("pool-taint-effect", cfg(gpuPools=pool(taints=[{"key": "a", "effect": "NoScheduled"}])),
     "raystack:gpuPools[0].taints[0].effect", "did you mean 'NoSchedule'"),
    ("pool-labels-not-strings", cfg(gpuPools=pool(labels={"a": 1})), "raystack:gpuPools[0].labels", "string"),
    ("pool-size-not-int", cfg(gpuPools=pool(maxSize="two")), "raystack:gpuPools[0].maxSize", "integer"),
    ("system-gpu-instance", cfg(systemPool={"instanceType": "g6.xlarge"}), "raystack:systemPool.instanceType",
     "m5.{2xlarge,xlarge}"),
    ("system-min-zero", cfg(systemPool={"minSize": 0}), "raystack:systemPool.minSize", "allowed 1.."),
    ("cluster-name-missing", cfg(clusterName=None), "raystack:clusterName", "required"),
    ("cluster-name-syntax", cfg(clusterName="Unit_1"), "raystack:clusterName", "DNS-1123"),
    ("cluster-mode-enum", cfg(clusterMode="import"), "raystack:clusterMode", "'existing'"),
    ("k8s-version", cfg(kubernetesVersion="1.29"), "raystack:kubernetesVersion", "allowed: 1.34, 1.35"),
    ("public-without-cidrs", cfg(endpointPublicAccess=True), "raystack:publicAccessCidrs", "0.0.0.0/0 explicitly"),
    ("cidrs-without-public", cfg(publicAccessCidrs=["192.0.2.0/24"]), "raystack:publicAccessCidrs",
     "only allowed"),
    ("public-cidr-syntax", cfg(endpointPublicAccess=True, publicAccessCidrs=["192.0.2.0/33"]),
     "raystack:publicAccessCidrs[0]", "CIDR"),
    ("admin-assumed-role", cfg(adminRoleArns=["arn:aws:sts::123456789012:assumed-role/Admin/jane"]),
     "raystack:adminRoleArns[0]", "arn:aws:iam::123456789012:role/Admin"),
    ("admin-not-an-arn", cfg(adminRoleArns=["Admin"]), "raystack:adminRoleArns[0]", "IAM role or user ARN"),
    ("admin-group-arn", cfg(adminRoleArns=["arn:aws:iam::123456789012:group/admins"]), "raystack:adminRoleArns[0]",
     "IAM role or user ARN"),
    ("rayjob-named-like-the-smoke-test", cfg(
        rayClusters=[{"name": "rc", "smokeTest": True, "workerGroups": [{"name": "w", "pool": "l4"}]}],
        rayJobs=[{"name": "rc-smoke", "entrypoint": "python x.py", "clusterSelector": "rc"}]),
     "raystack:rayJobs[0].name", "smokeTest RayJob of RayCluster rc"),
    ("selector-job-with-shutdown", cfg(rayJobs=[{"name": "j", "entrypoint": "python x.py", "clusterSelector": "rc",
                                                 "shutdownAfterJobFinishes": True}]),
     "raystack:rayJobs[0].shutdownAfterJobFinishes", "not with clusterSelector"),
    ("registry-with-scheme", cfg(imageRegistry="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/hub"),
     "raystack:imageRegistry", "without a scheme"),
    ("admin-other-partition", cfg(adminRoleArns=["arn:aws-cn:iam::123456789012:role/ops"]),
     "raystack:adminRoleArns[0]", "partition 'aws'"),
    ("viewer-not-an-arn", cfg(viewerRoleArns=["ci"]), "raystack:viewerRoleArns[0]", "IAM role or user ARN"),
    ("viewer-also-admin", cfg(adminRoleArns=["arn:aws:iam::123456789012:role/ci"],
                              viewerRoleArns=["arn:aws:iam::123456789012:role/ci"]),
     "raystack:viewerRoleArns[0]", "one access entry per principal"),
    ("pod-security-root", cfg(rayClusters=[{"name": "rc", "podSecurity": {"runAsUser": 0},
                                             "workerGroups": [{"name": "w", "pool": "l4"}]}]),
     "raystack:rayClusters[0].podSecurity.runAsUser", "Pod Security restricted refuses root"),
    ("log-retention-not-cloudwatchs", cfg(logRetentionDays=10), "raystack:logRetentionDays",
     "CloudWatch keeps logs for one of: 1, 3, 5"),
    ("log-retention-on-existing", cfg(EXISTING, logRetentionDays=30), "raystack:logRetentionDays",
     "creates no log group"),
    ("upgrade-strategy-in-a-job-cluster", cfg(rayJobs=[{
        "name": "j", "entrypoint": "python x.py",
        "rayCluster": {"upgradeStrategy": "None", "workerGroups": [{"name": "w", "pool": "l4"}]}}]),
     "raystack:rayJobs[0].rayCluster.upgradeStrategy", "KubeRay refuses upgradeStrategy"),
    ("collective-check-in-a-job-cluster", cfg(rayJobs=[{
        "name": "j", "entrypoint": "python x.py",
        "rayCluster": {"workerGroups": [{"name": "w", "pool": "l4", "collectiveCheck": True}]}}]),
     "raystack:rayJobs[0].rayCluster.workerGroups[0].collectiveCheck", "only on the groups of rayClusters"),
    ("upgrade-strategy-unknown", cfg(rayClusters=[{"name": "rc", "upgradeStrategy": "Rolling",
                                                   "workerGroups": [{"name": "w", "pool": "l4"}]}]),
     "raystack:rayClusters[0].upgradeStrategy", "Recreate"),
    ("kuberay-namespace-not-dns", cfg(kuberay={"namespace": "KubeRay_System"}), "raystack:kuberay.namespace",
     "DNS-1123 label"),
    ("job-namespace-not-dns", cfg(rayJobs=[{"name": "j", "namespace": "Team_A", "entrypoint": "python x.py",
                                            "clusterSelector": "rc"}]), "raystack:rayJobs[0].namespace",
     "DNS-1123 label"),
    ("pool-max-negative", cfg(gpuPools=[{"name": "l4", "instanceType": "g6.xlarge", "maxSize": -2}],
                              rayClusters=[]), "raystack:gpuPools[0].maxSize", "allowed: 1 or more"),
    ("platform-ray-version-too-old", cfg(rayVersion="2.10.0"), "raystack:rayVersion", "2.54.0 or newer"),
    ("platform-ray-version-unreadable", cfg(rayVersion="banana"), "raystack:rayVersion",
     "must be a version such as"),
    ("deploy-window-private-address", cfg(deployFrom=["10.0.200.10/32"]), "raystack:deployFrom[0]",
     "not a public address"),
    ("deploy-window-too-wide", cfg(deployFrom=["203.0.0.0/16"]), "raystack:deployFrom[0]", "/24 or narrower"),
    ("deploy-window-not-a-cidr", cfg(deployFrom=["my-runner"]), "raystack:deployFrom[0]", "must be an IPv4 CIDR"),
    ("deploy-window-on-existing", cfg(EXISTING, deployFrom=["203.0.113.7/32"]), "raystack:deployFrom",
     "does not manage the cluster's endpoint"),
    ("admins-on-existing", cfg(EXISTING, adminRoleArns=["arn:aws:iam::123456789012:role/ci"]),
     "raystack:adminRoleArns", "creates no access entries"),
    ("network-cidr-too-small", cfg(network={"cidr": "10.0.0.0/24"}), "raystack:network.cidr", "/16 to /20"),
    ("network-cidr-too-large", cfg(network={"cidr": "10.0.0.0/8"}), "raystack:network.cidr", "/16 to /20"),
    ("network-az-count", cfg(network={"azCount": 1}), "raystack:network.azCount", "2 to 4"),
    ("network-azs-duplicate", cfg(network={"availabilityZones": ["us-east-1a", "us-east-1a"]}),
     "raystack:network.availabilityZones", "distinct"),
    ("network-az-other-region", cfg(network={"availabilityZones": ["us-east-1a", "eu-west-1b"]}),
     "raystack:network.availabilityZones[1]", "us-east-1"),
    ("network-vpc-no-subnets", cfg(network={"vpcId": "vpc-1"}), "raystack:network.privateSubnetIds", "required"),
    ("return-route-inside-the-vpc", cfg(network={"cidr": "10.10.0.0/16", "returnRoutes": [
        {"cidr": "10.10.8.0/24", "transitGatewayId": "tgw-0123456789abcdef0"}]}),
     "raystack:network.returnRoutes[0].cidr", "overlaps the VPC's 10.10.0.0/16"),
    ("return-route-default", cfg(network={"cidr": "10.10.0.0/16", "returnRoutes": [
        {"cidr": "0.0.0.0/0", "transitGatewayId": "tgw-0123456789abcdef0"}]}),
     "raystack:network.returnRoutes[0].cidr", "the default route is the NAT gateway's"),
    ("return-route-two-targets", cfg(network={"cidr": "10.10.0.0/16", "returnRoutes": [
        {"cidr": "10.90.0.0/16", "transitGatewayId": "tgw-0123456789abcdef0", "vpnGatewayId": "vgw-01234567"}]}),
     "raystack:network.returnRoutes[0]", "exactly one of transitGatewayId"),
    ("return-route-wrong-id", cfg(network={"cidr": "10.10.0.0/16", "returnRoutes": [
        {"cidr": "10.90.0.0/16", "vpcPeeringConnectionId": "tgw-0123456789abcdef0"}]}),
     "raystack:network.returnRoutes[0].vpcPeeringConnectionId", "pcx-0123456789abcdef0"),
    ("return-route-twice", cfg(network={"cidr": "10.10.0.0/16", "returnRoutes": [
        {"cidr": "10.90.0.0/16", "vpnGatewayId": "vgw-01234567"},
        {"cidr": "10.90.0.0/16", "transitGatewayId": "tgw-0123456789abcdef0"}]}),
     "raystack:network.returnRoutes[1].cidr", "listed twice"),
    ("return-route-existing-vpc", cfg(network={"vpcId": "vpc-1", "privateSubnetIds": ["subnet-a", "subnet-b"],
                                               "returnRoutes": [{"cidr": "10.90.0.0/16",
                                                                 "vpnGatewayId": "vgw-01234567"}]}),
     "raystack:network.returnRoutes", "only with a VPC raystack creates"),
    ("existing-pools-in-create", cfg(existingPools=EXISTING["existingPools"]), "raystack:existingPools",
     "no existing nodes"),
    ("rc-bad-name", cfg(rayClusters=[{"name": "RC"}]), "raystack:rayClusters[0].name", "DNS-1035"),
    ("rc-old-ray", cfg(rayClusters=cluster(rayVersion="2.50.0")), "raystack:rayClusters[0].rayVersion",
     "2.54.0 or newer"),
    ("rc-ray-version-syntax", cfg(rayClusters=cluster(rayVersion="latest")), "raystack:rayClusters[0].rayVersion",
     "version such as"),
    ("rc-python-tag", cfg(rayClusters=cluster(pythonTag="py39")), "raystack:rayClusters[0].pythonTag",
     "py310"),
    ("rc-negative-idle", cfg(rayClusters=cluster(idleTimeoutSeconds=-5)),
     "raystack:rayClusters[0].idleTimeoutSeconds", "0 or more"),
    ("rc-upscaling-enum", cfg(rayClusters=cluster(upscalingMode="aggressive")),
     "raystack:rayClusters[0].upscalingMode", "did you mean 'Aggressive'"),
    ("rc-auth-enum", cfg(rayClusters=cluster(auth="none")), "raystack:rayClusters[0].auth", "'token'"),
    ("rc-allow-from-port", cfg(rayClusters=cluster(allowFrom=[{"namespaces": ["monitoring"], "ports": [22]}])),
     "raystack:rayClusters[0].allowFrom[0].ports", "allowed: 8265, 8000, 10001, 8080"),
    ("rc-allow-from-nobody", cfg(rayClusters=cluster(allowFrom=[{"ports": [8080]}])),
     "raystack:rayClusters[0].allowFrom[0]", "name the clients"),
    ("rc-allow-from-without-policy", cfg(rayClusters=cluster(networkPolicy=False, allowFrom=[
        {"namespaces": ["monitoring"], "ports": [8080]}])), "raystack:rayClusters[0].allowFrom[0]",
     "only with networkPolicy: true"),
    ("rc-env-name", cfg(rayClusters=cluster(env={"1BAD": "x"})), "raystack:rayClusters[0].env['1BAD']",
     "environment variable name"),
    ("rc-env-auth", cfg(rayClusters=cluster(env={"RAY_AUTH_MODE": "disabled"})),
     "raystack:rayClusters[0].env['RAY_AUTH_MODE']", "KubeRay sets the RAY_AUTH_*"),
    ("rc-secret-env-name", cfg(rayClusters=cluster(secretEnv={"TOKEN": {"secret": "Bad_Secret", "key": "t"}})),
     "raystack:rayClusters[0].secretEnv['TOKEN'].secret", "Secret name"),
    ("rc-env-twice", cfg(rayClusters=cluster(env={"TOKEN": "x"}, secretEnv={"TOKEN": {"secret": "s", "key": "t"}})),
     "raystack:rayClusters[0].secretEnv['TOKEN']", "not both"),
    ("rc-secret-env-shape", cfg(rayClusters=cluster(secretEnv={"TOKEN": {"secret": "s"}})),
     "raystack:rayClusters[0].secretEnv['TOKEN'].key", "is required"),
    ("rc-pull-secret", cfg(rayClusters=cluster(imagePullSecrets=["Creds"])),
     "raystack:rayClusters[0].imagePullSecrets[0]", "Secret name"),
    ("rc-pod-label-owned", cfg(rayClusters=cluster(podLabels={"ray.io/node-type": "worker"})),
     "raystack:rayClusters[0].podLabels['ray.io/node-type']", "KubeRay and raystack set"),
    ("rc-pod-annotation-key", cfg(rayClusters=cluster(podAnnotations={"bad key": "x"})),
     "raystack:rayClusters[0].podAnnotations['bad key']", "annotation key"),
    ("rc-pod-annotation-owned", cfg(rayClusters=cluster(podAnnotations={"raystack.io/pod-identity": "x"})),
     "raystack:rayClusters[0].podAnnotations['raystack.io/pod-identity']", "raystack sets raystack.io/"),
    ("group-scheduler-name", cfg(rayClusters=group(schedulerName="Volcano_Scheduler")),
     "raystack:rayClusters[0].workerGroups[0].schedulerName", "DNS-1123 subdomain"),
    ("head-priority-class", cfg(rayClusters=cluster(head={"priorityClassName": "High Priority"})),
     "raystack:rayClusters[0].head.priorityClassName", "DNS-1123 subdomain"),
    ("group-ray-start-owned", cfg(rayClusters=group(rayStartParams={"num-gpus": "2"})),
     "raystack:rayClusters[0].workerGroups[0].rayStartParams['num-gpus']", "raystack sets num-gpus"),
    ("rc-env-from-shape", cfg(rayClusters=cluster(envFrom=[{"configMap": {"name": "settings"}}])),
     "raystack:rayClusters[0].envFrom[0].configMap", "unknown field"),
    ("rc-volume-shape", cfg(rayClusters=cluster(volumes=[{"name": "data", "persistentVolumeClaim": {}}])),
     "raystack:rayClusters[0].volumes[0].persistentVolumeClaim", "'claimName' is a required property"),
    ("rc-volume-not-object", cfg(rayClusters=cluster(volumes=["fsx"])),
     "raystack:rayClusters[0].volumes[0]", "must be an object"),
    ("rc-volume-hostpath", cfg(rayClusters=cluster(volumes=[{"name": "host", "hostPath": {"path": "/data"}}])),
     "raystack:rayClusters[0].volumes[0].hostPath", "reject hostPath"),
    ("rc-volume-shm-name", cfg(rayClusters=cluster(volumes=[{"name": "dshm", "emptyDir": {}}])),
     "raystack:rayClusters[0].volumes[0].name", "/dev/shm volume"),
    ("rc-volume-twice", cfg(rayClusters=cluster(volumes=[{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}])),
     "raystack:rayClusters[0].volumes[1].name", "used once"),
    ("group-mount-no-volume", cfg(rayClusters=group(volumeMounts=[{"name": "fsx", "mountPath": "/fsx"}])),
     "raystack:rayClusters[0].workerGroups[0].volumeMounts[0].name", "a volume of the pod"),
    ("head-mount-shm", cfg(rayClusters=cluster(volumes=[{"name": "a", "emptyDir": {}}],
                                                head={"volumeMounts": [{"name": "a", "mountPath": "/dev/shm"}]})),
     "raystack:rayClusters[0].head.volumeMounts[0].mountPath", "mounted once"),
    ("rc-mount-shape", cfg(rayClusters=cluster(volumes=[{"name": "a", "emptyDir": {}}],
                                               volumeMounts=[{"name": "a"}])),
     "raystack:rayClusters[0].volumeMounts[0]", "'mountPath' is a required property"),
    ("rc-init-security-context", cfg(rayClusters=cluster(initContainers=[
        {"name": "init", "image": "busybox:1.37", "securityContext": {"privileged": True}}])),
     "raystack:rayClusters[0].initContainers[0].securityContext", "restricted securityContext"),
    ("rc-init-mount-no-volume", cfg(rayClusters=cluster(initContainers=[
        {"name": "init", "image": "busybox:1.37", "volumeMounts": [{"name": "cache", "mountPath": "/c"}]}])),
     "raystack:rayClusters[0].initContainers[0].volumeMounts[0].name", "a volume of the pod"),
    ("group-init-shape", cfg(rayClusters=group(initContainers=[{"image": "busybox:1.37"}])),
     "raystack:rayClusters[0].workerGroups[0].initContainers[0]", "'name' is a required property"),
    ("sa-name", cfg(rayClusters=cluster(serviceAccount={"name": "Team_SA"})),
     "raystack:rayClusters[0].serviceAccount.name", "DNS-1123 subdomain"),
    ("sa-name-is-head-account", cfg(rayClusters=cluster(serviceAccount={"name": "rc"})),
     "raystack:rayClusters[0].serviceAccount.name", "KubeRay creates that account"),
    ("sa-annotations-not-created", cfg(rayClusters=cluster(serviceAccount={
        "name": "sa", "create": False, "annotations": {"eks.amazonaws.com/role-arn": "arn"}})),
     "raystack:rayClusters[0].serviceAccount.annotations", "create: true"),
    ("sa-pod-identity-empty", cfg(rayClusters=cluster(serviceAccount={"name": "sa", "podIdentity": {}})),
     "raystack:rayClusters[0].serviceAccount.podIdentity", "may do nothing"),
    ("sa-bucket-arn", cfg(rayClusters=cluster(serviceAccount={"name": "sa", "podIdentity": {
        "s3Read": ["arn:aws:s3:::data"]}})),
     "raystack:rayClusters[0].serviceAccount.podIdentity.s3Read[0]", "not an ARN"),
    ("sa-bucket-twice", cfg(rayClusters=cluster(serviceAccount={"name": "sa", "podIdentity": {
        "s3Read": ["data"], "s3ReadWrite": ["data"]}})),
     "raystack:rayClusters[0].serviceAccount.podIdentity.s3Read", "not both"),
    ("sa-policy-arn", cfg(rayClusters=cluster(serviceAccount={"name": "sa", "podIdentity": {
        "managedPolicyArns": ["AmazonS3ReadOnlyAccess"]}})),
     "raystack:rayClusters[0].serviceAccount.podIdentity.managedPolicyArns[0]", "managed policy ARN"),
    ("sa-pod-identity-existing", cfg(EXISTING, rayClusters=[{**EXISTING["rayClusters"][0], "serviceAccount": {
        "name": "sa", "podIdentity": {"s3Read": ["data"]}}}]),
     "raystack:rayClusters[0].serviceAccount.podIdentity", "clusterMode: create"),
    # AWS N6: EKS allows one Pod Identity association per (namespace, service account).
    ("sa-pod-identity-twice", cfg(rayClusters=[
        {"name": "a", "namespace": "ml", "workerGroups": [{"name": "w", "pool": "l4", "maxWorkers": 1}],
         "serviceAccount": {"name": "shared", "podIdentity": {"s3Read": ["data"]}}},
        {"name": "b", "namespace": "ml", "workerGroups": [{"name": "w", "pool": "l4", "maxWorkers": 1}],
         "serviceAccount": {"name": "shared", "create": False, "podIdentity": {"s3Read": ["data"]}}}]),
     "raystack:rayClusters[1].serviceAccount.name", "one association per service account"),
    ("group-node-selector-created-pool", cfg(rayClusters=group(nodeSelector={"topology.kubernetes.io/zone": "a"})),
     "raystack:rayClusters[0].workerGroups[0].nodeSelector['topology.kubernetes.io/zone']", "only on existing pools"),
    ("group-node-selector-pool-key", cfg(EXISTING, rayClusters=[{**EXISTING["rayClusters"][0], "workerGroups": [
        {"name": "w", "pool": "a10g", "nodeSelector": {"pool": "other"}}]}]),
     "raystack:rayClusters[0].workerGroups[0].nodeSelector['pool']", "binds its pods with pool=a10g"),
    ("head-toleration-shape", cfg(rayClusters=cluster(head={"tolerations": [{"key": "team", "tolerationSeconds": "1m"}]})),
     "raystack:rayClusters[0].head.tolerations[0].tolerationSeconds", "Toleration"),
    ("node-pool-name-clash", cfg(nodePools=[{"name": "l4", "instanceType": "m7i.2xlarge"}]),
     "raystack:nodePools[0].name", "unique (across gpuPools and nodePools)"),
    ("node-pool-unknown-type", cfg(nodePools=[{"name": "cpu", "instanceType": "m7i.16xlarge"}]),
     "raystack:nodePools[0].instanceType", "not in raystack's catalog"),
    ("node-pool-group-too-big", cfg(nodePools=[{"name": "cpu", "instanceType": "m7i.2xlarge", "maxSize": 2}],
                                    rayClusters=[{"name": "rc", "workerGroups": [
                                        {"name": "c", "pool": "cpu", "cpu": 2, "memoryGib": 8, "maxWorkers": 7}]}]),
     "raystack:rayClusters[0].workerGroups[0].maxWorkers", "2 node(s) x 3 worker(s); allowed 1..6"),
    ("spot-alternatives-on-demand", cfg(gpuPools=pool(0, spotAlternatives=["g6.2xlarge"])),
     "raystack:gpuPools[0].spotAlternatives", "only with capacityType SPOT"),
    ("spot-alternative-other-model", cfg(gpuPools=pool(0, capacityType="SPOT", spotAlternatives=["g5.xlarge"])),
     "raystack:gpuPools[0].spotAlternatives[0]", "has accelerators 1x A10G (not 1x L4)"),
    ("spot-alternative-unknown", cfg(nodePools=[{"name": "cpu", "instanceType": "m7i.xlarge", "capacityType": "SPOT",
                                                 "spotAlternatives": ["m8i.xlarge"]}]),
     "raystack:nodePools[0].spotAlternatives[0]", "allowed with m7i.xlarge: m5.xlarge, m6i.xlarge"),
    ("spot-alternative-bigger", cfg(nodePools=[{"name": "cpu", "instanceType": "m7i.xlarge", "capacityType": "SPOT",
                                                "spotAlternatives": ["m6i.2xlarge"]}]),
     "raystack:nodePools[0].spotAlternatives[0]", "vCPUs 8 (not 4)"),
    ("spot-alternative-twice", cfg(nodePools=[{"name": "cpu", "instanceType": "m7i.xlarge", "capacityType": "SPOT",
                                               "spotAlternatives": ["m6i.xlarge", "m7i.xlarge"]}]),
     "raystack:nodePools[0].spotAlternatives[1]", "listed twice"),
    ("spot-alternatives-too-many", cfg(nodePools=[{"name": "cpu", "instanceType": "m7i.xlarge", "capacityType": "SPOT",
                                                   "spotAlternatives": ["m6i.xlarge", "m5.xlarge", "m6i.xlarge",
                                                                        "m5.xlarge"]}]),
     "raystack:nodePools[0].spotAlternatives", "allowed: 1..3"),
    ("head-accelerators-on-cpu-pool", cfg(rayClusters=cluster(head={"accelerators": 1})),
     "raystack:rayClusters[0].head.accelerators", "allowed: 0"),
    ("head-accelerators-too-many", cfg(rayClusters=cluster(head={"pool": "x4", "accelerators": 5})),
     "raystack:rayClusters[0].head.accelerators", "allowed: 0..4"),
    ("rc-volume-not-restricted", cfg(rayClusters=cluster(volumes=[{"name": "n", "nfs": {"server": "nfs.internal",
                                                                                          "path": "/data"}}])),
     "raystack:rayClusters[0].volumes[0].nfs", "Pod Security restricted"),
    # Issue 25, images: distribution/reference's grammar, a pin (the pack's ray-images-pinned, at the key), and
    # what a rayproject/ray tag says (Ray's docker/ray/README.md tag scheme) against rayVersion and the pool.
    ("image-no-tag", cfg(rayClusters=cluster(image="rayproject/ray")), "raystack:rayClusters[0].image",
     "no tag means latest"),
    ("image-latest", cfg(rayClusters=group(image="rayproject/ray:latest")),
     "raystack:rayClusters[0].workerGroups[0].image", "latest moves"),
    ("image-grammar", cfg(rayClusters=cluster(head={"image": "MyRegistry/Ray Image:2.55.0"})),
     "raystack:rayClusters[0].head.image", "not an image reference"),
    ("image-scheme", cfg(rayClusters=cluster(image="https://ghcr.io/acme/ray:2.55.0-gpu")),
     "raystack:rayClusters[0].image", "no scheme"),
    ("image-init-untagged", cfg(rayClusters=cluster(initContainers=[{"name": "i", "image": "busybox",
                                                                      "command": ["true"]}])),
     "raystack:rayClusters[0].initContainers[0].image", "no tag means latest"),
    ("image-ray-below-floor", cfg(rayClusters=cluster(image="rayproject/ray:2.41.0-py311-gpu")),
     "raystack:rayClusters[0].image", "2.54.0 or newer"),
    ("image-ray-not-ray-version", cfg(rayClusters=cluster(rayVersion="2.55.0", image="rayproject/ray:2.56.0-gpu")),
     "raystack:rayClusters[0].image", "rayVersion is 2.55.0"),
    ("image-x86-on-graviton", cfg(nodePools=[{"name": "arm", "instanceType": "m7g.2xlarge", "maxSize": 2}],
                                   rayClusters=group(pool="arm", image="rayproject/ray:2.55.0-py311")),
     "raystack:rayClusters[0].workerGroups[0].image", "-aarch64"),
    ("image-cuda-on-neuron", cfg(gpuPools=pool(instanceType="inf2.xlarge"),
                                  rayClusters=group(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/hub/"
                                                          "rayproject/ray:2.55.0-py311-gpu")),
     "raystack:rayClusters[0].workerGroups[0].image", "no neuron runtime"),
    # Issue 25, the rest of the newcomer's mistakes: ARNs of another partition and IRSA next to Pod Identity,
    # Serve replicas the cluster can never hold, TPU slices raystack cannot run.
    ("pod-identity-policy-other-partition", cfg(rayClusters=cluster(serviceAccount={"name": "sa", "podIdentity": {
        "managedPolicyArns": ["arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"]}})),
     "raystack:rayClusters[0].serviceAccount.podIdentity.managedPolicyArns[0]", "partition 'aws-us-gov'"),
    ("irsa-next-to-pod-identity", cfg(rayClusters=cluster(serviceAccount={
        "name": "sa", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x"},
        "podIdentity": {"s3Read": ["data"]}})),
     "raystack:rayClusters[0].serviceAccount.annotations['eks.amazonaws.com/role-arn']", "IRSA next to a Pod Identity role"),
    ("svc-replicas-never-fit", cfg(rayServices=_serve({"num_replicas": 5, "ray_actor_options": {"num_gpus": 1}})),
     "raystack:rayServices[0].serveConfigV2.applications[0].deployments[0].num_replicas", "at most 2 replica"),
    ("svc-min-replicas-never-fit", cfg(rayServices=_serve({"autoscaling_config": {"min_replicas": 3, "max_replicas": 4},
                                                           "ray_actor_options": {"num_gpus": 1}})),
     "raystack:rayServices[0].serveConfigV2.applications[0].deployments[0].autoscaling_config.min_replicas",
     "at most 2 replica"),
    ("tpu-without-topology", _tpu({"pool": "tpu"}), "raystack:existingPools[1].nodeSelector",
     "cloud.google.com/gke-tpu-topology"),
    ("tpu-chips-per-host", _tpu({"cloud.google.com/gke-tpu-topology": "2x2"}, per_host=3),
     "raystack:existingPools[1].acceleratorsPerNode", "a divisor of 4"),
    ("security-mode", cfg(security="lax"), "raystack:security", "one of 'strict', 'relaxed'"),
    ("kubernetes-delivery", cfg(kubernetesDelivery="argocd"), "raystack:kubernetesDelivery",
     "one of 'pulumi', 'gitops'"),
    ("rc-duplicate", cfg(rayClusters=cluster() + cluster()), "raystack:rayClusters[1].name", "duplicate"),
    ("group-no-such-pool", cfg(rayClusters=group(pool="l44")), "raystack:rayClusters[0].workerGroups[0].pool",
     "did you mean 'l4'"),
    ("group-too-many-accels", cfg(rayClusters=group(acceleratorsPerWorker=2)),
     "raystack:rayClusters[0].workerGroups[0].acceleratorsPerWorker", "allowed 1..1"),
    ("group-too-many-workers", cfg(rayClusters=group(maxWorkers=9)),
     "raystack:rayClusters[0].workerGroups[0].maxWorkers", "allowed 1..2"),
    ("group-cpu-too-big", cfg(rayClusters=group(cpu=64)), "raystack:rayClusters[0].workerGroups[0].cpu",
     "whole CPUs"),
    ("group-memory-too-big", cfg(rayClusters=group(memoryGib=512)),
     "raystack:rayClusters[0].workerGroups[0].memoryGib", "GiB each"),
    ("group-min-over-max", cfg(rayClusters=group(minWorkers=2, maxWorkers=1)),
     "raystack:rayClusters[0].workerGroups[0].minWorkers", "allowed 0..1"),
    ("group-negative-idle", cfg(rayClusters=group(idleTimeoutSeconds=-1)),
     "raystack:rayClusters[0].workerGroups[0].idleTimeoutSeconds", "0 or more"),
    ("group-duplicate-name", cfg(rayClusters=[{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4"},
                                                                             {"name": "w", "pool": "x4"}]}]),
     "raystack:rayClusters[0].workerGroups[1].name", "duplicate"),
    ("head-too-big", cfg(rayClusters=cluster(head={"cpu": 64})), "raystack:rayClusters[0].head.cpu", "1..3"),
    ("head-no-such-pool", cfg(rayClusters=cluster(head={"pool": "cpu"})), "raystack:rayClusters[0].head.pool",
     "no pool to run the head on"),
    ("existing-no-access", cfg(EXISTING, kubeconfig=None), "raystack:clusterMode", "existingClusterName or kubeconfig"),
    ("existing-with-gpu-pools", cfg(EXISTING, gpuPools=BASE["gpuPools"]), "raystack:gpuPools", "existingPools"),
    ("existing-with-network", cfg(EXISTING, network={"cidr": "10.0.0.0/16"}), "raystack:network", "no network"),
    ("existing-pool-no-facts", cfg(EXISTING, existingPools=[{"name": "x", "nodeSelector": {"a": "b"}, "maxNodes": 1}],
                                   rayClusters=[]),
     "raystack:existingPools[0].allocatableCpuMillis", "allocatableMemoryMib required when instanceType"),
    ("existing-pool-kind", cfg(EXISTING, existingPools=[{"name": "x", "nodeSelector": {"a": "b"}, "maxNodes": 1,
                                                         "acceleratorKind": "tpuv5", "allocatableCpuMillis": 1000,
                                                         "allocatableMemoryMib": 1000}], rayClusters=[]),
     "raystack:existingPools[0].acceleratorKind", "allowed: none, nvidia"),
    ("existing-pool-unknown-resource", cfg(EXISTING, existingPools=[{"name": "x", "nodeSelector": {"a": "b"},
                                                                     "maxNodes": 1, "acceleratorKind": "ascend",
                                                                     "acceleratorResource": "huawei.com/Ascend999",
                                                                     "allocatableCpuMillis": 1000,
                                                                     "allocatableMemoryMib": 1000}], rayClusters=[]),
     "raystack:existingPools[0].acceleratorResource", "huawei.com/Ascend910B"),
    ("existing-pool-empty-selector", cfg(EXISTING, existingPools=[{"name": "x", "nodeSelector": {},
                                                                   "instanceType": "g5.xlarge", "maxNodes": 1}],
                                         rayClusters=[]),
     "raystack:existingPools[0].nodeSelector", "at least one label"),
]

CAPACITY = [
    ("cap-five-heads-on-small-system-pool", cfg(systemPool={"maxSize": 2}, rayClusters=heads(5)),
     "raystack:systemPool.maxSize", "5 Ray head(s)"),
    ("cap-big-heads", cfg(systemPool={"maxSize": 2}, rayClusters=heads(2, cpu=3, mem=12)),
     "raystack:systemPool.maxSize", "do not fit 2"),
    # Issue 25: maxima may over-commit a shared pool (a warning, below); minimums that cannot fit are errors.
    ("cap-two-clusters-share-a-pool", cfg(rayClusters=[
        {"name": n, "workerGroups": [{"name": "w", "pool": "l4", "minWorkers": 2}]} for n in ("a", "b")]),
     "raystack:gpuPools[0].maxSize", "keep 4 node(s) up together at minWorkers"),
    ("cap-two-groups-share-a-pool", cfg(rayClusters=[{"name": "a", "workerGroups": [
        {"name": "x1", "pool": "x4", "acceleratorsPerWorker": 1, "minWorkers": 8},
        {"name": "x4", "pool": "x4", "minWorkers": 1, "maxWorkers": 1}]}]),
     "raystack:gpuPools[1].maxSize", "keep 3 node(s) up together"),
    ("cap-three-clusters-share-a-pool", cfg(rayClusters=[
        {"name": n, "workerGroups": [{"name": "w", "pool": "x4", "acceleratorsPerWorker": 2, "minWorkers": 2,
                                      "maxWorkers": 2}]}
        for n in ("a", "b", "c")]), "raystack:gpuPools[1].maxSize", "keep 3 node(s) up together"),
    ("cap-existing-shared-pool", cfg(EXISTING, rayClusters=[
        {"name": n, "head": {"pool": "cpu"}, "workerGroups": [{"name": "w", "pool": "a10g", "minWorkers": 2}]}
        for n in ("a", "b")]),
     "raystack:existingPools[1].maxNodes", "keep 4 node(s) up together"),
]

def job(**changes: Any) -> list[dict[str, Any]]:
    return [{"name": "j", "entrypoint": "python x.py",
             "rayCluster": {"workerGroups": [{"name": "w", "pool": "x4"}]}, **changes}]


def svc(app: dict[str, Any] | None = None, **changes: Any) -> list[dict[str, Any]]:
    config = {"applications": [{"name": "a", "import_path": "mod:app", **(app or {})}]}
    return [{"name": "s", "serveConfigV2": config, "rayCluster": {"workerGroups": [{"name": "w", "pool": "x4"}]},
             **changes}]


def cron(**changes: Any) -> list[dict[str, Any]]:
    return [{"name": "c", "schedule": "0 3 * * *", "entrypoint": "python x.py", "clusterSelector": "rc", **changes}]


WORKLOADS = [
    ("job-both-cluster-and-selector", cfg(rayJobs=job(clusterSelector="rc")), "raystack:rayJobs[0].clusterSelector",
     "exactly one of rayCluster"),
    ("job-neither", cfg(rayJobs=[{"name": "j", "entrypoint": "x"}]), "raystack:rayJobs[0].rayCluster",
     "exactly one of rayCluster"),
    ("job-selector-unknown", cfg(rayJobs=[{"name": "j", "entrypoint": "x", "clusterSelector": "rcc"}]),
     "raystack:rayJobs[0].clusterSelector", "did you mean 'rc'"),
    ("job-selector-other-namespace", cfg(rayJobs=[{"name": "j", "namespace": "ml", "entrypoint": "x",
                                                   "clusterSelector": "rc"}]),
     "raystack:rayJobs[0].clusterSelector", "in namespace 'ml'"),
    ("job-name-too-long", cfg(rayJobs=job(name="j" * 48)), "raystack:rayJobs[0].name", "at most 47"),
    ("job-runtime-env-key", cfg(rayJobs=job(runtimeEnv={"pipp": ["torch"]})), "raystack:rayJobs[0].runtimeEnv.pipp",
     "not a runtime_env key of Ray"),
    ("job-runtime-env-pip-and-conda", cfg(rayJobs=job(runtimeEnv={"pip": ["a"], "conda": "env"})),
     "raystack:rayJobs[0].runtimeEnv", "one of pip, uv, conda"),
    ("job-backoff-with-selector", cfg(rayJobs=[{"name": "j", "entrypoint": "x", "clusterSelector": "rc",
                                                "backoffLimit": 2}]),
     "raystack:rayJobs[0].backoffLimit", "not with clusterSelector"),
    ("job-deadline-zero", cfg(rayJobs=job(activeDeadlineSeconds=0)), "raystack:rayJobs[0].activeDeadlineSeconds",
     "1 or more"),
    ("job-cluster-named", cfg(rayJobs=job(rayCluster={"name": "mine", "workerGroups": [{"name": "w", "pool": "x4"}]})),
     "raystack:rayJobs[0].rayCluster.name", "KubeRay names the cluster"),
    ("job-cluster-bad-pool", cfg(rayJobs=job(rayCluster={"workerGroups": [{"name": "w", "pool": "x44"}]})),
     "raystack:rayJobs[0].rayCluster.workerGroups[0].pool", "did you mean 'x4'"),
    ("job-submission-mode", cfg(rayJobs=job(submissionMode="SidecarMode")), "raystack:rayJobs[0].submissionMode",
     "K8sJobMode"),
    ("job-entrypoint-blank", cfg(rayJobs=job(entrypoint=" ")), "raystack:rayJobs[0].entrypoint", "the command"),
    ("svc-import-path", cfg(rayServices=svc({"import_path": "app"})),
     "raystack:rayServices[0].serveConfigV2.applications[0].import_path", "does not match"),
    ("svc-typo-key", cfg(rayServices=svc({"route_prefx": "/"})),
     "raystack:rayServices[0].serveConfigV2.applications[0].route_prefx", "allowed: args, deployments"),
    ("svc-no-applications", cfg(rayServices=[{**svc()[0], "serveConfigV2": {}}]),
     "raystack:rayServices[0].serveConfigV2", "'applications' is a required property"),
    ("svc-route-twice", cfg(rayServices=[{**svc()[0], "serveConfigV2": {"applications": [
        {"name": "a", "import_path": "m:a"}, {"name": "b", "import_path": "m:b"}]}}]),
     "raystack:rayServices[0].serveConfigV2.applications[1].route_prefix", "unique"),
    ("svc-incremental-upgrade", cfg(rayServices=svc(upgradeStrategy="NewClusterWithIncrementalUpgrade")),
     "raystack:rayServices[0].upgradeStrategy", "Gateway API"),
    ("svc-replica-fits-no-worker", cfg(rayServices=svc({"deployments": [
        {"name": "D", "ray_actor_options": {"num_gpus": 8}}]})),
     "raystack:rayServices[0].serveConfigV2.applications[0].deployments[0].ray_actor_options", "GPU 4"),
    ("cron-schedule", cfg(rayCronJobs=cron(schedule="0 25 * * *")), "raystack:rayCronJobs[0].schedule",
     "hour field '25'"),
    ("cron-time-zone", cfg(rayCronJobs=cron(timeZone="Mars/Olympus_Mons")), "raystack:rayCronJobs[0].timeZone",
     "IANA time zone"),
    ("cron-name-too-long", cfg(rayCronJobs=cron(name="c" * 37)), "raystack:rayCronJobs[0].name", "at most 36"),
    ("cron-duplicate", cfg(rayCronJobs=cron() + cron()), "raystack:rayCronJobs[1].name", "duplicate RayCronJob"),
    ("job-named-like-a-cluster", cfg(rayJobs=job(name="rc")), "raystack:rayJobs[0].name",
     "already the name of RayCluster rc"),
    ("service-named-like-a-job", cfg(rayJobs=job(name="x"), rayServices=svc(name="x")),
     "raystack:rayServices[0].name", "already the name of RayJob"),
    ("job-pod-identity-existing", cfg(EXISTING, rayJobs=[{"name": "j", "entrypoint": "x", "rayCluster": {
        "head": {"pool": "cpu"}, "workerGroups": [{"name": "w", "pool": "a10g"}],
        "serviceAccount": {"name": "sa", "podIdentity": {"s3Read": ["data"]}}}}], rayClusters=[]),
     "raystack:rayJobs[0].rayCluster.serviceAccount.podIdentity", "clusterMode: create"),
    # observability.logs (clouds.aws.logs, model.logs)
    ("logs-retention", cfg(observability={"logs": {"destination": "cloudwatch", "retentionDays": 10}}),
     "raystack:observability.logs.retentionDays", "one of: 1, 3, 5, 7, 14"),
    ("logs-existing-cluster", cfg(EXISTING, observability={"logs": {"destination": "cloudwatch"}}),
     "raystack:observability.logs.destination", "cluster it creates"),
    ("logs-retention-without-destination", cfg(observability={"logs": {"retentionDays": 30}}),
     "raystack:observability.logs.destination", "keeps nothing"),
    ("logs-destination", cfg(observability={"logs": {"destination": "s3"}}),
     "raystack:observability.logs.destination", "cloudwatch"),
    ("logs-mount-over-ray-tmp", cfg(observability={"logs": {"destination": "cloudwatch"}}, rayClusters=cluster(
        volumes=[{"name": "t", "emptyDir": {}}], volumeMounts=[{"name": "t", "mountPath": "/tmp/ray"}])),
     "raystack:rayClusters[0].volumeMounts[0].mountPath", "where Ray writes its logs"),
    ("logs-next-to-irsa", cfg(observability={"logs": {"destination": "cloudwatch"}}, rayClusters=cluster(
        serviceAccount={"name": "w", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x"}})),
     "raystack:rayClusters[0].serviceAccount.annotations['eks.amazonaws.com/role-arn']", "observability.logs"),
    ("logs-volume-name-taken", cfg(observability={"logs": {"destination": "cloudwatch"}}, rayClusters=cluster(
        volumes=[{"name": "ray-logs", "emptyDir": {}}], volumeMounts=[{"name": "ray-logs", "mountPath": "/data"}])),
     "raystack:rayClusters[0].volumes[0].name", "a volume of observability.logs"),
    ("cap-job-shares-a-pool", cfg(rayJobs=job(rayCluster={"workerGroups": [{"name": "w", "pool": "l4", "minWorkers": 2}]}),
                                  rayClusters=[{"name": "rc", "workerGroups": [{"name": "w", "pool": "l4",
                                                                                 "minWorkers": 1}]}]),
     "raystack:gpuPools[0].maxSize", "keep 3 node(s) up together"),
]

CASES = TOP_LEVEL_TYPOS + NESTED + CAPACITY + WORKLOADS


def as_config(raw: dict[str, Any]) -> dict[str, str]:
    config = {"aws:region": "us-east-1"}
    config.update({f"raystack:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()})
    return config


def test_the_table_is_big_enough():
    assert len(CASES) >= 60 and len(TOP_LEVEL_TYPOS) >= 10 and len(CAPACITY) >= 5
    assert len({c[0] for c in CASES}) == len(CASES), "case ids must be distinct"


def test_base_configs_are_valid():
    for raw in (BASE, EXISTING):
        rec = testing.run(RayPlatform.from_stack_config, as_config(raw))
        assert rec.of_type("kubernetes:ray.io/v1:RayCluster"), "the base config must register a RayCluster"


@pytest.mark.parametrize(("raw", "key", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_fails_naming_the_key_and_registers_nothing(raw, key, fragment):
    assert_refused_once(as_config(raw), key, fragment)


def assert_refused_once(config: dict[str, str], key: str, fragment: str) -> None:
    """The stack program refuses ``config`` with one finding at ``key`` carrying ``fragment``, and registers
    nothing."""
    rec = testing.Recording()
    with pytest.raises(ConfigError) as err:
        testing.run(RayPlatform.from_stack_config, config, recording=rec)
    messages = [str(f) for f in err.value.findings]
    named = [f for f in err.value.findings if f.key == key]
    assert named, f"no finding names {key}: {messages}"
    assert any(fragment in str(f) for f in named), f"{key}: {fragment!r} not in {[str(f) for f in named]}"
    # One mistake, one message: nothing invented downstream of the broken object.
    assert len(err.value.findings) == 1, f"one mistake, {len(messages)} messages: {messages}"
    assert not rec.resources, f"registered before failing: {[r.urn for r in rec.resources]}"


@pytest.mark.parametrize(("config", "at", "wanted"), [
    (cfg(rayClusters=[{"name": n, "workerGroups": [{"name": "w", "pool": "l4"}]} for n in ("a", "b")]),
     "raystack:gpuPools[0].maxSize", 4),
    (cfg(rayJobs=[{"name": "j", "entrypoint": "python x.py",
                   "rayCluster": {"workerGroups": [{"name": "w", "pool": "l4"}]}}]), "raystack:gpuPools[0].maxSize", 4),
    (cfg(EXISTING, rayClusters=[{"name": n, "head": {"pool": "cpu"}, "workerGroups": [{"name": "w", "pool": "a10g"}]}
                                for n in ("a", "b")]), "raystack:existingPools[1].maxNodes", 4),
])
def test_a_second_workload_on_a_pool_at_default_maxima_is_valid_and_warned(config, at, wanted):
    """Newcomer review, problem 1 (issue 25): the default maxWorkers (a pool's whole capacity) made every second
    workload on a pool invalid, and the advice looped. Maxima may over-commit a shared pool: one warning naming
    each group's share, what contention does, and what to do."""
    from raystack import resolve

    platform = resolve(config, stack="prop")
    (w,) = [f for f in platform.warnings if f.key == at and "Under contention" in f.message]
    assert f"may want {wanted} node(s) together" in w.message and "up to 2" in w.message, w.message
    assert "give them maxWorkers whose nodes sum to at most" in w.message, w.message


@pytest.mark.parametrize(("config", "at", "fragment"), [
    (cfg(rayClusters=group(image="rayproject/ray:2.55.0-py311")), "raystack:rayClusters[0].workerGroups[0].image",
     "a CPU image on a group using nvidia.com/gpu"),
    (cfg(rayClusters=cluster(image="ghcr.io/acme/trainer:2026.11")), "raystack:rayClusters[0].image",
     "cannot read which Ray"),
    (cfg(rayServices=_serve({"autoscaling_config": {"min_replicas": 1, "max_replicas": 8},
                             "ray_actor_options": {"num_gpus": 1}})),
     "raystack:rayServices[0].serveConfigV2.applications[0].deployments[0].autoscaling_config.max_replicas",
     "holds at most 2 replica"),
], ids=["cpu-image-on-gpus", "unreadable-image", "serve-max-beyond-the-cluster"])
def test_what_raystack_can_only_suspect_is_warned_at_its_key(config, at, fragment):
    """Issue 25, images: a CPU Ray image can drive GPUs (the container toolkit mounts the driver and PyTorch's
    wheels bundle CUDA; the kind stack's fake GPUs rely on it), and an image outside rayproject/ray says nothing
    raystack can read: both plan, each with one warning at the key that says what to check."""
    from raystack import resolve

    platform = resolve(config, stack="prop")
    named = [w for w in platform.warnings if w.key == at]
    assert len(named) == 1 and fragment in named[0].message, [str(w) for w in platform.warnings]


def test_an_arm_image_on_an_existing_pool_of_unknown_architecture_is_not_refused():
    """An existing pool described by allocatable CPU and memory, not an instance type, does not say its
    architecture: the -aarch64 tag is not held against the x86_64 that pool facts assume."""
    from raystack import resolve

    config = cfg(EXISTING, existingPools=[EXISTING["existingPools"][0], {
        "name": "arm", "nodeSelector": {"kubernetes.io/arch": "arm64"}, "allocatableCpuMillis": 15000,
        "allocatableMemoryMib": 60000, "maxNodes": 2}],
        rayClusters=[{"name": "rc", "head": {"pool": "cpu"},
                      "workerGroups": [{"name": "w", "pool": "arm", "image": "rayproject/ray:2.55.0-py311-aarch64"}]}])
    resolve(config, stack="prop")
