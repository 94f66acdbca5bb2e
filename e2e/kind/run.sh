#!/usr/bin/env bash
# End-to-end on a kind cluster with simulated GPUs: the steps of .github/workflows/e2e-kind.yml.
#   e2e/kind/run.sh <step>...     steps: plan gpus stack up ready no-changes edit destroy leftovers
# DRY_RUN=1 prints each command instead of running it (the tests run it so; `plan` always runs: it
# is raystack's offline plan of the same stack). Needs: kind cluster (kubectl context), helm,
# pulumi, and the project installed (pip install -e .).
set -euo pipefail
cd "$(dirname "$0")/../.."

STACK=kind
CLUSTER=e2e
NAMESPACE=ray
FAKE_GPU_CHART=oci://ghcr.io/run-ai/fake-gpu-operator/fake-gpu-operator
FAKE_GPU_VERSION=0.2.0   # run-ai/fake-gpu-operator v0.2.0 (chart version = release tag without v)
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-e2e}"

run() {
  if [[ "${DRY_RUN:-}" == 1 ]]; then printf '+ %s\n' "$*"; else "$@"; fi
}

query() {            # a read whose output a step uses; in a dry run it prints and answers $QUERY_ANSWER
  if [[ "${DRY_RUN:-}" == 1 ]]; then printf '+ %s\n' "$*" >&2; printf '%s' "${QUERY_ANSWER:-}"; else "$@"; fi
}

step_plan() {        # offline: what `pulumi up` will create, checked against the CRDs and Ray's parser
  raystack plan --stack "$STACK"
}

step_gpus() {        # taint the GPU worker, install the fake GPU operator, wait for nvidia.com/gpu
  local node
  node=$(QUERY_ANSWER=e2e-worker2 query kubectl get nodes -l pool=gpu -o jsonpath='{.items[0].metadata.name}')
  run kubectl taint node "$node" nvidia.com/gpu=present:NoSchedule --overwrite
  run helm upgrade -i gpu-operator "$FAKE_GPU_CHART" --version "$FAKE_GPU_VERSION" \
    -n gpu-operator --create-namespace --wait
  run kubectl wait node -l pool=gpu --for=jsonpath='{.status.allocatable.nvidia\.com/gpu}'=2 --timeout=300s
}

step_stack() {       # a local backend and the stack whose config is stacks/Pulumi.kind.yaml
  run pulumi login --local
  run pulumi stack select --create "$STACK" --secrets-provider passphrase
}

step_up() {          # pulumi up waits for the smoke RayJob (jobStatus SUCCEEDED): the cluster runs
  run pulumi up --yes --stack "$STACK"
}

step_ready() {       # the RayCluster is ready and the smoke test succeeded
  run kubectl wait "raycluster/$CLUSTER" -n "$NAMESPACE" --for=jsonpath='{.status.state}'=ready --timeout=900s
  run kubectl wait "rayjob/$CLUSTER-smoke" -n "$NAMESPACE" --for=jsonpath='{.status.jobStatus}'=SUCCEEDED \
    --timeout=900s
}

step_no_changes() {  # day 1: nothing to do
  run pulumi preview --expect-no-changes --stack "$STACK"
}

step_edit() {        # day 2: edit a worker group, and up again
  run pulumi config set --path 'raystack:rayClusters[0].workerGroups[0].maxWorkers' 1 --stack "$STACK"
  run pulumi up --yes --stack "$STACK"
  run pulumi preview --expect-no-changes --stack "$STACK"
}

step_destroy() {
  run pulumi destroy --yes --stack "$STACK"
}

step_leftovers() {   # destroy leaves nothing raystack made; retained by design: the CRDs (retainCrdsOnDelete) and, on
                     # an existing cluster, the Ray and operator namespaces (they may hold others' objects),
                     # emptied of raystack's
  local left
  left=$(query kubectl get rayclusters,rayjobs,rayservices -A -o name)
  if [[ -n "$left" ]]; then echo "left behind: $left" >&2; exit 1; fi
  left=$(query kubectl get all -n kuberay-system -o name)
  if [[ -n "$left" ]]; then echo "operator objects left behind: $left" >&2; exit 1; fi
  left=$(query helm list -A -q --filter kuberay-operator)
  if [[ -n "$left" ]]; then echo "releases left behind: $left" >&2; exit 1; fi
}

[[ $# -gt 0 ]] || { echo "usage: $0 <step>... (plan gpus stack up ready no-changes edit destroy leftovers)" >&2; exit 2; }
for s in "$@"; do
  fn="step_${s//-/_}"
  declare -F "$fn" >/dev/null || { echo "unknown step: $s" >&2; exit 2; }
  echo "== $s"
  "$fn"
done
