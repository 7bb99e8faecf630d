// The admin dashboard in a real browser: opens parley's admin page in Debian's chromium
// (headless, driven by playwright-core), waits until it is connected, prints "ready", then waits
// until the page shows a call with a caller line, an agent line and a barge-in marker, and a
// number in the metrics panel. Saves a screenshot either way. Exit 0: all seen; 1: not seen in
// time (what was seen is printed); 2: bad usage or no browser.
//
//   node dashboard.mjs --url=http://127.0.0.1:9090/ --token-file=FILE --screenshot=out.png
//
// The token comes from --token-file, PARLEY_ADMIN_TOKEN or --token (in that order of preference:
// a command line is visible to every user of the machine). It is never printed.

import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) usage(`unexpected argument ${a}`);
    return [m[1], m[2] ?? "true"];
  }),
);

function usage(why) {
  console.error("usage: node dashboard.mjs --url=ADMIN_URL [--token-file=FILE] [--screenshot=PNG] [--timeout=SECONDS]");
  cannot(why);
}

function cannot(why) {
  console.error(`dashboard.mjs: ${why}`);
  process.exit(2);
}

if (!args.url) usage("--url is required");
const base = new URL(args.url);
let token = process.env.PARLEY_ADMIN_TOKEN ?? args.token ?? "";
if (args["token-file"]) token = readFileSync(args["token-file"], "utf8").trim();
const screenshot = args.screenshot ?? "dashboard.png";
const deadline = Date.now() + Number(args.timeout ?? 60) * 1000;
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch {
  cannot("playwright-core is not installed: run scripts/install-deps.sh (it runs npm ci --prefix tests/browser)");
}

let browser;
try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    // The machine may have no network: without these chromium's own connections (updates,
    // sync, field trials) fail noisily or stall start-up. Playwright gives it a fresh profile.
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
} catch (e) {
  cannot(`cannot start ${executablePath} (scripts/install-deps.sh installs Debian's chromium): ${e.message.split("\n")[0]}`);
}

const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
// The page is self-contained: anything fetched from another origin is a failure.
page.on("request", (r) => {
  const u = new URL(r.url());
  if (u.protocol !== "data:" && u.origin !== base.origin) problems.push(`request to another origin: ${u.origin}`);
});

// What the page shows, read in the browser.
const look = () =>
  page.evaluate(() => {
    const all = (id) => [...document.querySelectorAll(`[data-testid="${id}"]`)];
    const text = (e) => (e ? (e.querySelector(".text") ?? e).textContent.trim() : "");
    return {
      status: text(all("connection-status")[0]),
      rows: all("call-row").length,
      callId: text(all("call-id")[0]),
      caller: all("caller-line").map(text),
      agent: all("agent-line").map(text),
      bargeIns: all("barge-in").map(text),
      latency: all("turn-latency").map(text),
      activeCalls: text(all("metric-active-calls")[0]),
      turnsTotal: text(all("metric-turns")[0]),
      bargeInsTotal: text(all("metric-bargeins")[0]),
      tokenForm: !document.getElementById("login").hidden,
      fragment: location.hash,
    };
  });

let seen = null;
// Polls the page until `done(seen)` or the deadline.
async function until(done) {
  for (;;) {
    try {
      seen = await look();
      if (done(seen)) return true;
    } catch (e) {
      problems.push(`reading the page: ${e.message.split("\n")[0]}`);
    }
    if (Date.now() > deadline) return false;
    await page.waitForTimeout(100);
  }
}

async function finish(ok, why) {
  try {
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);
  } catch (e) {
    console.log(`no screenshot: ${e.message.split("\n")[0]}`);
  }
  if (!ok) {
    console.log(`FAILED: ${why}`);
    console.log(`seen: ${JSON.stringify(seen, null, 1)}`);
    for (const p of problems) console.log(p);
  }
  await browser.close();
  process.exit(ok ? 0 : 1);
}

const target = new URL("/", base);
if (token) target.hash = "token=" + encodeURIComponent(token);
await page.goto(target.href);

if (!(await until((s) => s.status === "connected"))) await finish(false, "the page never said connected");
if (seen.fragment.includes("token")) await finish(false, "the token stayed in the address bar");
console.log("ready");

const shown = (s) =>
  s.rows > 0 && s.caller.length > 0 && s.agent.length > 0 && s.bargeIns.some((b) => b === "interrupted") &&
  /^\d+$/.test(s.turnsTotal) && Number(s.turnsTotal) > 0;
if (!(await until(shown))) await finish(false, "no call with a caller line, an agent line and a barge-in marker, or no metrics");
// The figures come every second: the barge-in is counted there too.
if (!(await until((s) => /^\d+$/.test(s.activeCalls) && Number(s.bargeInsTotal) > 0)))
  await finish(false, "the metrics panel shows no active-calls number or no barge-in");
if (problems.length) await finish(false, "the page had errors");
console.log(`seen: call ${seen.callId ? "shown" : "?"}, ${seen.caller.length} caller line(s), ${seen.agent.length} agent line(s), ` +
            `barge-in marker, first-say latency ${seen.latency.join(", ") || "none"}, ${seen.turnsTotal} turns total`);
await finish(true);
