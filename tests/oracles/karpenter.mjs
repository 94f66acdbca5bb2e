// Validates the Karpenter objects on stdin (a JSON array of NodePool and EC2NodeClass manifests) with
// @kubernetes-models/karpenter's schemas, generated from Karpenter's Go API types (karpenter.sh/v1 and
// karpenter.k8s.aws/v1); prints a JSON array: null for a valid object, else the validator's message.
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1/NodePool";
import { EC2NodeClass } from "@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass";
import { readFileSync } from "node:fs";

const KINDS = { NodePool, EC2NodeClass };
const docs = JSON.parse(readFileSync(0, "utf8"));
const out = docs.map((d) => {
  try {
    const Kind = KINDS[d.kind];
    if (!Kind) return `no schema for kind ${d.kind}`;
    new Kind(d).validate();
    return null;
  } catch (e) {
    return String(e.message || e);
  }
});
process.stdout.write(JSON.stringify(out));
