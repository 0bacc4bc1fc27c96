// Drives an MCP server over stdio with the official TypeScript SDK client, as Claude Desktop, Claude Code
// and the MCP Inspector do, and prints what that client made of each call.
//
// Usage: node tests/ts/drive.mjs '<scenario json>'   (or the scenario on stdin when no argument is given)
//
// Scenario: {"command": str, "args": [str], "env": {str: str}, "cwd"?: str, "timeoutMs"?: number,
//            "calls": [{"name": str, "arguments": {...}}]}
//        or {"url": str, "headers": {str: str}, ...}: the server over streamable HTTP, as hosts connect by URL.
//        "readLinks": true reads back every resource_link a result carries (see readLinks); "reads": [uri]
//        reads those resources after the calls, into "reads".
//
// Prints ONE JSON document on stdout:
//   {"tools": [names], "withOutputSchema": [names of the tools whose results the client validates],
//    "results": [{"ok": CallToolResult} | {"thrown": {"message": str, "code": number|null}}]}
// listTools() runs first so the client caches each tool's outputSchema and validates every result against it,
// as real hosts do; an error thrown by a call (say -32602 "Structured content does not match the tool's output
// schema") is recorded for that call and the run goes on. If the client cannot connect or list tools at all,
// the document is {"tools": [...], "results": [...], "fatal": {...}} and the exit code is 1.
// The server's stderr is passed through to this process's stderr.

import { readFileSync } from "node:fs";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

function readScenario() {
  const raw = process.argv.length > 2 ? process.argv[2] : readFileSync(0, "utf8");
  const scenario = JSON.parse(raw);
  if (typeof scenario.command !== "string" && typeof scenario.url !== "string") {
    throw new Error("scenario.command or scenario.url must be a string");
  }
  if (!Array.isArray(scenario.calls)) throw new Error("scenario.calls must be an array");
  return scenario;
}

function describe(error) {
  const code = error && typeof error === "object" && "code" in error ? error.code : null;
  const message = error instanceof Error ? error.message : String(error);
  return { message, code: typeof code === "number" || typeof code === "string" ? code : null };
}

// With "readLinks": true, each resource_link a result carries is read back with resources/read, as a host
// that follows links does: [{uri, contents: [{uri, mimeType, chars}]} | {uri, thrown}].
async function readLinks(client, result, requestOptions) {
  const read = [];
  for (const block of result.content ?? []) {
    if (block.type !== "resource_link") continue;
    try {
      const answer = await client.readResource({ uri: block.uri }, requestOptions);
      const contents = answer.contents.map((item) => ({
        uri: item.uri,
        mimeType: item.mimeType ?? null,
        chars: typeof item.text === "string" ? item.text.length : null,
      }));
      read.push({ uri: block.uri, contents });
    } catch (error) {
      read.push({ uri: block.uri, thrown: describe(error) });
    }
  }
  return read;
}

function finish(document, exitCode) {
  process.stdout.write(JSON.stringify(document) + "\n", () => process.exit(exitCode));
}

async function main() {
  const scenario = readScenario();
  const env = {};
  // StdioClientTransport inherits only a few variables (HOME, PATH, SHELL, TERM, USER, LOGNAME); be explicit.
  for (const name of ["PATH", "HOME"]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  Object.assign(env, scenario.env ?? {});

  const transport =
    typeof scenario.url === "string"
      ? new StreamableHTTPClientTransport(new URL(scenario.url), { requestInit: { headers: scenario.headers ?? {} } })
      : new StdioClientTransport({
          command: scenario.command,
          args: scenario.args ?? [],
          env,
          cwd: scenario.cwd,
          stderr: "inherit",
        });
  const client = new Client({ name: "octolens-mcp-ts-drive", version: "0.0.0" });
  const requestOptions = { timeout: scenario.timeoutMs ?? 30000 };
  const document = { tools: [], withOutputSchema: [], results: [], reads: [] };
  let exitCode = 0;

  try {
    await client.connect(transport, requestOptions);
    const listed = await client.listTools(undefined, requestOptions);
    document.tools = listed.tools.map((tool) => tool.name);
    document.withOutputSchema = listed.tools.filter((tool) => tool.outputSchema).map((tool) => tool.name);
    if (listed.nextCursor) document.nextCursor = listed.nextCursor;
    for (const call of scenario.calls) {
      try {
        const result = await client.callTool(
          { name: call.name, arguments: call.arguments ?? {} },
          undefined,
          requestOptions,
        );
        const entry = { ok: result };
        if (scenario.readLinks) entry.linked = await readLinks(client, result, requestOptions);
        document.results.push(entry);
      } catch (error) {
        document.results.push({ thrown: describe(error) });
      }
    }
    for (const uri of scenario.reads ?? []) {
      document.reads.push(...(await readLinks(client, { content: [{ type: "resource_link", uri }] }, requestOptions)));
    }
  } catch (error) {
    document.fatal = describe(error);
    exitCode = 1;
  } finally {
    try {
      await client.close();
    } catch (error) {
      document.closeError = describe(error);
    }
  }
  finish(document, exitCode);
}

main().catch((error) => {
  finish({ tools: [], results: [], fatal: describe(error) }, 2);
});
