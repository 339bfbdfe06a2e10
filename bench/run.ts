// `npm run bench`: runs the named scenarios (or every default one), prints the results table and a
// BENCH_RESULT line; exits 1 if any scenario failed, 2 on a usage error.
import { parseBenchArguments, USAGE, UsageError } from "./lib/args.ts";
import { killAllChildServersNow, stopAllChildServers } from "./lib/child-server.ts";
import { createScenarioContext } from "./lib/context.ts";
import { stopActiveLoad } from "./lib/load.ts";
import { measureBackgroundLoad, printReport, type ScenarioReport } from "./lib/report.ts";
import { loadFailures } from "./lib/rows.ts";
import type { BenchOptions, Scenario } from "./lib/scenario.ts";
import { scenarios } from "./scenarios/index.ts";

async function main(argv: string[]): Promise<number> {
  const args = parseBenchArguments(argv);
  if (args.help) {
    console.log(`${USAGE}\n\nscenarios:\n${scenarios.map(describeScenario).join("\n")}`);
    return 0;
  }
  const selected = selectScenarios(args.scenarioNames);
  const backgroundLoad = measureBackgroundLoad();
  const reports: ScenarioReport[] = [];
  for (const scenario of selected) reports.push(await runScenario(scenario, args.options));
  printReport(reports, args.options, backgroundLoad);
  return reports.every((report) => report.failures.length === 0) ? 0 : 1;
}

async function runScenario(scenario: Scenario, options: BenchOptions): Promise<ScenarioReport> {
  const { context, cleanup } = createScenarioContext(scenario.name, options);
  try {
    const rows = await scenario.run(context);
    return { scenario: scenario.name, rows, failures: loadFailures(rows) };
  } catch (error) {
    context.log(`failed: ${(error as Error).stack ?? error}`);
    return {
      scenario: scenario.name,
      rows: [],
      failures: [(error as Error).message.split("\n")[0] ?? "error"],
    };
  } finally {
    await cleanup();
  }
}

function selectScenarios(names: string[]): Scenario[] {
  if (names.length === 0) return scenarios.filter((scenario) => scenario.runsByDefault !== false);
  return names.map((name) => {
    const scenario = scenarios.find((candidate) => candidate.name === name);
    if (!scenario) {
      throw new UsageError(
        `unknown scenario "${name}"; known: ${scenarios.map((known) => known.name).join(", ")}`,
      );
    }
    return scenario;
  });
}

function describeScenario(scenario: Scenario): string {
  const optIn = scenario.runsByDefault === false ? " (only when named)" : "";
  return `  ${scenario.name.padEnd(12)} ${scenario.description}${optIn}`;
}

async function interrupt(signal: NodeJS.Signals): Promise<void> {
  process.stderr.write(`\nbench: ${signal}, stopping the servers\n`);
  stopActiveLoad();
  await stopAllChildServers();
  process.exit(signal === "SIGINT" ? 130 : 143);
}

process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);
process.on("exit", killAllChildServersNow);

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error("bench:", error);
    process.exitCode = 1;
  }
} finally {
  await stopAllChildServers();
}
// Leftover keep-alive sockets from set-up requests must not hold the process open.
process.exit();
