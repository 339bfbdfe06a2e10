// Every scenario the runner knows, in the order a bare `npm run bench` runs them.
import type { Scenario } from "../lib/scenario.ts";
import { readScenario } from "./read.ts";

export const scenarios: Scenario[] = [readScenario];
