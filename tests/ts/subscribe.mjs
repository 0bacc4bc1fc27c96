// Subscribes to a resource over stdio with the official TypeScript SDK client (protocol 2025-11-25:
// resources/subscribe), waits for notifications/resources/updated, then reads the resource.
//
// Usage: node tests/ts/subscribe.mjs '<scenario json>'
//
// Scenario: {"command": str, "args": [str], "env": {str: str}, "cwd"?: str, "uri": str, "timeoutMs"?: number}
//
// Prints two JSON lines on stdout:
//   {"subscribed": true, "subscribeCapability": bool}      once the subscription is answered (or
//   {"subscribed": false, "thrown": {message, code}, ...}  when it is refused; the run then ends);
//   {"updated": [uris], "read": {"chars": number, "text": str} | {"thrown": ...}}
//                                                            after the first notification (or timeoutMs).
// The caller makes the resource change between the two lines. The server's stderr passes through.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

function describe(error) {
  const code = error && typeof error === "object" && "code" in error ? error.code : null;
  const message = error instanceof Error ? error.message : String(error);
  return { message, code: typeof code === "number" || typeof code === "string" ? code : null };
}

function say(document) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(document) + "\n", resolve));
}

async function main() {
  const scenario = JSON.parse(process.argv[2]);
  const env = {};
  for (const name of ["PATH", "HOME"]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  Object.assign(env, scenario.env ?? {});
  const transport = new StdioClientTransport({
    command: scenario.command,
    args: scenario.args ?? [],
    env,
    cwd: scenario.cwd,
    stderr: "inherit",
  });
  const client = new Client({ name: "octolens-mcp-ts-subscribe", version: "0.0.0" });
  const timeout = scenario.timeoutMs ?? 10000;
  const updated = [];
  let heard;
  const arrived = new Promise((resolve) => {
    heard = resolve;
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    updated.push(notification.params.uri);
    heard();
  });
  let exitCode = 0;
  try {
    await client.connect(transport, { timeout });
    const subscribeCapability = client.getServerCapabilities()?.resources?.subscribe === true;
    try {
      await client.subscribeResource({ uri: scenario.uri }, { timeout });
    } catch (error) {
      await say({ subscribed: false, subscribeCapability, thrown: describe(error) });
      return;
    }
    await say({ subscribed: true, subscribeCapability });
    await Promise.race([arrived, new Promise((resolve) => setTimeout(resolve, timeout))]);
    let read;
    try {
      const answer = await client.readResource({ uri: scenario.uri }, { timeout });
      const text = answer.contents.map((item) => item.text ?? "").join("");
      read = { chars: text.length, text };
    } catch (error) {
      read = { thrown: describe(error) };
    }
    await say({ updated, read });
  } catch (error) {
    await say({ fatal: describe(error) });
    exitCode = 1;
  } finally {
    try {
      await client.close();
    } catch {
      // the server is gone already: nothing left to close
    }
    process.exit(exitCode);
  }
}

main();
