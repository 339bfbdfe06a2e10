#!/usr/bin/env node
// The `coffer` executable: Node 24 runs the TypeScript sources directly (type stripping).
import { processIo } from "../src/io.ts";
import { main } from "../src/main.ts";

process.exitCode = await main(process.argv.slice(2), processIo());
