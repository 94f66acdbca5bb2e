// Validates the PodMonitors on stdin (a JSON array) with @kubernetes-models/prometheus-operator's generated
// schema; prints a JSON array: null for a valid object, else the validator's message.
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { readFileSync } from "node:fs";

const docs = JSON.parse(readFileSync(0, "utf8"));
const out = docs.map((d) => {
  try {
    new PodMonitor(d).validate();
    return null;
  } catch (e) {
    return String(e.message || e);
  }
});
process.stdout.write(JSON.stringify(out));
