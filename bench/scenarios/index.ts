// Every scenario the runner knows, in the order a bare `npm run bench` runs them.
import type { Scenario } from "../lib/scenario.ts";
import { proxyScenario } from "./proxy.ts";
import { readScenario } from "./read.ts";
import { resolveScenario } from "./resolve.ts";

export const scenarios: Scenario[] = [readScenario, proxyScenario, resolveScenario];
