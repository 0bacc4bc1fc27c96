// Signs in to the team server with the official TypeScript MCP SDK's own OAuth client, as hosts that connect
// by URL do (Claude Desktop's custom connectors, Claude Code, the MCP Inspector), then calls tools.
//
// Usage: node tests/ts/drive_oauth.mjs '<scenario json>'   (or the scenario on stdin)
//
// Scenario: {"url": str (the server's /mcp), "key": str (typed on the consent page), "redirectUrl": str,
//            "calls": [[name, arguments]]}
//
// The StreamableHTTPClientTransport, given an OAuthClientProvider, meets the 401, discovers the protected
// resource and authorization server metadata, registers (RFC 7591) and sends the browser to /authorize.
// The "browser" here follows that redirect to the consent page, reads the form's hidden fields (consent
// request, CSRF token), keeps its cookie, posts the key into the password field, reads the second page
// (workspace and scope) and presses Allow; the code from the redirect goes to transport.finishAuth. A new
// transport then connects with the token, lists tools and makes the calls. Last, auth() is run again with
// the stored refresh token, and a call is made with the refreshed access token.
//
// Prints ONE JSON document: {"discovery": {...}, "client": {...}, "tokens": {...}, "approvalPage": str,
// "tools": [names], "results": [CallToolResult], "refreshed": {...}, "afterRefresh": CallToolResult}.

import { readFileSync } from "node:fs";

import { auth, discoverOAuthProtectedResourceMetadata, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const scenario = JSON.parse(process.argv.length > 2 ? process.argv[2] : readFileSync(0, "utf8"));

function unescape(text) {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#x27;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

// The form on a consent page: its action, hidden fields, password field and buttons.
function readForm(page) {
  const action = /<form[^>]*action="([^"]*)"/.exec(page);
  const fields = {};
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1]] = unescape(match[2]);
  }
  const password = /<input[^>]*name="([^"]+)"[^>]*type="password"/.exec(page);
  const buttons = [...page.matchAll(/<button[^>]*name="action" value="([^"]+)"/g)].map((m) => m[1]);
  return { action: action ? unescape(action[1]) : null, fields, password: password ? password[1] : null, buttons };
}

class Browser {
  constructor() {
    this.cookies = new Map();
  }

  async request(url, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return response;
  }

  async post(url, fields) {
    return this.request(url, {
      method: "POST",
      // As a browser posts a form from its page: with the page's origin.
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(url).origin },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

class Provider {
  constructor(redirectUrl, key) {
    this._redirectUrl = redirectUrl;
    this._key = key;
    this._client = undefined;
    this._tokens = undefined;
    this._verifier = undefined;
    this._state = undefined;
    this.code = undefined;
    this.approvalPage = "";
  }

  get redirectUrl() {
    return this._redirectUrl;
  }

  get clientMetadata() {
    return {
      client_name: "TypeScript SDK driver",
      redirect_uris: [this._redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state() {
    this._state = `ts-${Math.random().toString(36).slice(2)}`;
    return this._state;
  }

  clientInformation() {
    return this._client;
  }

  saveClientInformation(information) {
    this._client = information;
  }

  tokens() {
    return this._tokens;
  }

  saveTokens(tokens) {
    this._tokens = tokens;
  }

  saveCodeVerifier(verifier) {
    this._verifier = verifier;
  }

  codeVerifier() {
    return this._verifier;
  }

  // The person in the browser: the consent page, the key, Allow.
  async redirectToAuthorization(authorizationUrl) {
    const browser = new Browser();
    const authorize = await browser.request(authorizationUrl);
    if (authorize.status !== 302) throw new Error(`/authorize answered ${authorize.status}: ${await authorize.text()}`);
    const consentUrl = new URL(authorize.headers.get("location"), authorizationUrl);
    const first = await browser.request(consentUrl);
    const asking = readForm(await first.text());
    if (!asking.password) throw new Error("the consent page has no password field");
    const target = new URL(asking.action, consentUrl);
    const second = await browser.post(target, { ...asking.fields, [asking.password]: this._key, action: "check" });
    this.approvalPage = await second.text();
    const approving = readForm(this.approvalPage);
    if (!approving.buttons.includes("approve")) throw new Error(`the key was not accepted (${second.status})`);
    const decided = await browser.post(new URL(approving.action, consentUrl), { ...approving.fields, action: "approve" });
    const back = new URL(decided.headers.get("location"));
    if (back.searchParams.get("state") !== this._state) throw new Error("the state came back changed");
    this.code = back.searchParams.get("code");
  }
}

function connectWith(provider) {
  const transport = new StreamableHTTPClientTransport(new URL(scenario.url), { authProvider: provider });
  const client = new Client({ name: "octolens-ts-oauth-driver", version: "1.0.0" });
  return { transport, client };
}

const provider = new Provider(scenario.redirectUrl, scenario.key);
const document = {};
document.discovery = await discoverOAuthProtectedResourceMetadata(scenario.url);

// 1. No token: the transport runs the flow up to the browser, then stops with UnauthorizedError.
const first = connectWith(provider);
try {
  await first.client.connect(first.transport);
  throw new Error("connected without signing in");
} catch (error) {
  if (!(error instanceof UnauthorizedError)) throw error;
}
await first.transport.finishAuth(provider.code);
document.client = provider.clientInformation();
document.tokens = provider.tokens();
document.approvalPage = provider.approvalPage;

// 2. Signed in: a new connection lists the tools and makes the calls.
const second = connectWith(provider);
await second.client.connect(second.transport);
document.tools = (await second.client.listTools()).tools.map((tool) => tool.name);
document.results = [];
for (const [name, args] of scenario.calls) {
  document.results.push(await second.client.callTool({ name, arguments: args }));
}
await second.client.close();

// 3. Refresh: auth() with the stored refresh token rotates both tokens; the new access token works.
const outcome = await auth(provider, { serverUrl: scenario.url });
if (outcome !== "AUTHORIZED") throw new Error(`refresh ended in ${outcome}`);
document.refreshed = provider.tokens();
const third = connectWith(provider);
await third.client.connect(third.transport);
document.afterRefresh = await third.client.callTool({ name: scenario.calls[0][0], arguments: scenario.calls[0][1] });
await third.client.close();

process.stdout.write(JSON.stringify(document));
