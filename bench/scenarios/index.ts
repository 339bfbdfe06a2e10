// Every scenario the runner knows, in the order a bare `npm run bench` runs them.
import type { Scenario } from "../lib/scenario.ts";
import { auditScenario } from "./audit.ts";
import { dataRotationScenario } from "./data-rotation.ts";
import { masterRotationPgScenario, masterRotationScenario } from "./master-rotation.ts";
import { proxyScenario } from "./proxy.ts";
import { readScenario } from "./read.ts";
import { readScalePgScenario, readScaleScenario } from "./read-scale.ts";
import { resolveScenario } from "./resolve.ts";
import { soakScenario } from "./soak.ts";

export const scenarios: Scenario[] = [
  readScenario,
  auditScenario,
  proxyScenario,
  resolveScenario,
  readScaleScenario,
  readScalePgScenario,
  masterRotationScenario,
  masterRotationPgScenario,
  dataRotationScenario,
  soakScenario,
];
