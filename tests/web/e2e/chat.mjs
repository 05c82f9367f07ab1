// handoff-web in a real browser (Debian's Chromium, driven by playwright-core):
// a customer chats with the bot, waits for a person, an agent takes over with
// the whole context, the customer reloads and carries on, the agent hands back,
// and a resolution's survey score reaches /metrics. Screenshots go to OUT.
//   node chat.mjs HANDOFF_WEB SOURCE_DIR OUT
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [server, source, out] = process.argv.slice(2);
assert.ok(server && source && out, "usage: node chat.mjs HANDOFF_WEB SOURCE_DIR OUT");
fs.mkdirSync(out, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), "handoff-e2e-"));
// The whole run is bounded, whatever hangs.
const deadline = setTimeout(() => { console.error("e2e: timed out"); cleanup(); process.exit(1); }, 150_000);

// The shop with its team at work around the clock, so the run does not depend on the hour.
const shop = path.join(source, "examples", "shop");
const config = JSON.parse(fs.readFileSync(path.join(shop, "bot.json"), "utf8"));
for (const hours of Object.values(config.business_hours)) { hours.weekly = { daily: "00:00-24:00" }; hours.holidays = []; }
for (const action of Object.values(config.actions))
  if (action && typeof action === "object" && action.file) action.file = path.join(shop, action.file);
fs.writeFileSync(path.join(work, "bot.json"), JSON.stringify(config));

let proc = null;
let browser = null;
const pages = {};
function cleanup() {
  if (proc && proc.exitCode === null) proc.kill("SIGTERM");
  fs.rmSync(work, { recursive: true, force: true });
}

function startServer() {
  return new Promise((resolve, reject) => {
    proc = spawn(server, ["--config", path.join(work, "bot.json"), "--listen", "127.0.0.1:0",
      "--store", "sqlite:" + path.join(work, "web.db"), "--agents", path.join(source, "examples", "web", "agents.json")],
      { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    proc.stdout.on("data", d => {
      text += d;
      const m = text.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(Number(m[1]));
    });
    proc.on("exit", code => reject(new Error("handoff-web exited with " + code + ": " + text)));
  });
}

async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  console.log(`ok  ${name} (${Date.now() - t0} ms)`);
}

try {
  const port = await startServer();
  const base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const viewport = { width: 1280, height: 760 };
  const agentPage = await (await browser.newContext({ viewport })).newPage();
  const customerContext = await browser.newContext({ viewport: { width: 900, height: 760 }, locale: "en-US" });
  const customer = await customerContext.newPage();
  const other = await (await browser.newContext({ locale: "zh-CN" })).newPage();
  const timeout = 10_000;
  for (const p of [agentPage, customer, other]) p.setDefaultTimeout(timeout);
  Object.assign(pages, { agent: agentPage, customer, other });

  await step("the agent signs in and goes online with room for one conversation", async () => {
    await agentPage.goto(base + "/agent");
    await agentPage.fill("#agent-id", "alice");
    await agentPage.fill("#agent-token", "wrong");
    await agentPage.click("#signin button");
    await agentPage.waitForFunction(() => document.querySelector("#signin-error").textContent.length > 0);
    await agentPage.fill("#agent-token", "alice-demo-token");
    await agentPage.click("#signin button");
    await agentPage.waitForSelector("#console:not([hidden])");
    await agentPage.fill("#capacity", "1");
    await agentPage.click("#go-online");
    await agentPage.waitForFunction(() => document.querySelector("#my-status").textContent === "online");
  });

  await step("another customer takes the agent's only place", async () => {
    await other.goto(base + "/");
    await other.click(".hw-launcher");
    await other.waitForSelector(".hw-msg.hw-bot");
    await other.fill(".hw-form input", "转人工");
    await other.press(".hw-form input", "Enter");
    await other.waitForSelector(".hw-note:has-text('Alice')");
    await agentPage.waitForSelector("#mine li");
  });

  await step("the customer asks a question and gets the answer", async () => {
    await customer.goto(base + "/");
    await customer.click(".hw-launcher");
    const welcome = await customer.waitForSelector(".hw-msg.hw-bot");
    assert.match(await welcome.textContent(), /welcome/i);
    assert.ok(await customer.$$eval(".hw-replies button", b => b.length) >= 2, "the menu as buttons");
    await customer.fill(".hw-form input", "how long does shipping take?");
    await customer.press(".hw-form input", "Enter");
    await customer.waitForFunction(() => document.querySelectorAll(".hw-msg.hw-bot").length >= 2);
    const answer = await customer.$$eval(".hw-msg.hw-bot", m => m[m.length - 1].textContent);
    assert.match(answer, /ship|deliver|day/i);
  });

  await step("the customer asks for a person and sees the wait", async () => {
    await customer.click(".hw-human");
    const status = await customer.waitForSelector(".hw-status.hw-shown");
    assert.match(await status.textContent(), /number 1/);
    await customer.screenshot({ path: path.join(out, "widget.png") });
  });

  let id = "";
  await step("the console sees the customer waiting; the agent hands the other back and takes this one", async () => {
    const row = await agentPage.waitForSelector("#waiting tr");
    id = await row.getAttribute("data-conversation");
    assert.ok(id.startsWith("w-"));
    await agentPage.click("#to-bot");
    await agentPage.waitForSelector(`#mine li[data-conversation="${id}"]`);
    await agentPage.click(`#mine li[data-conversation="${id}"]`);
    const context = await agentPage.textContent("#context");
    assert.match(context, /customer_request/, "the escalation's reason");
    assert.match(context, /explicit-request|request/, "the rule");
    const transcript = await agentPage.textContent("#transcript");
    assert.match(transcript, /how long does shipping take/, "the whole conversation so far");
    await other.waitForSelector(".hw-note:has-text('智能助手')");
  });

  await step("the agent replies and the customer sees it, with the agent's name", async () => {
    await customer.waitForSelector(".hw-note:has-text('Alice joined')");
    await agentPage.fill("#reply-text", "Hi, this is Alice. Your parcel ships within 48 hours.");
    await agentPage.press("#reply-text", "Enter");
    const said = await customer.waitForSelector(".hw-msg.hw-agent");
    assert.match(await said.textContent(), /Alice/);
    assert.match(await said.textContent(), /48 hours/);
    await customer.fill(".hw-form input", "great, thank you");
    await customer.press(".hw-form input", "Enter");
    await agentPage.waitForSelector(".line.customer:has-text('great, thank you')");
    await agentPage.screenshot({ path: path.join(out, "console.png") });
  });

  await step("a reload keeps the conversation", async () => {
    await customer.reload();
    await customer.waitForSelector(".hw-msg.hw-agent:has-text('48 hours')");
    assert.ok(await customer.isVisible(".hw-msg.hw-customer:has-text('how long does shipping take?')"));
    await customer.fill(".hw-form input", "still there?");
    await customer.press(".hw-form input", "Enter");
    await agentPage.waitForSelector(".line.customer:has-text('still there?')");
  });

  await step("the agent hands back; the bot answers again", async () => {
    await agentPage.click("#to-bot");
    await customer.waitForSelector(".hw-note:has-text('back with the assistant')");
    const before = await customer.$$eval(".hw-msg.hw-bot", m => m.length);
    await customer.fill(".hw-form input", "what is your refund policy?");
    await customer.press(".hw-form input", "Enter");
    await customer.waitForFunction(n => document.querySelectorAll(".hw-msg.hw-bot").length > n, before);
    const answer = await customer.$$eval(".hw-msg.hw-bot", m => m[m.length - 1].textContent);
    assert.match(answer, /refund|return/i);
  });

  await step("a resolution brings the survey, and the score reaches /metrics", async () => {
    await customer.click(".hw-human");
    await agentPage.waitForSelector(`#mine li[data-conversation="${id}"]`);
    await agentPage.click(`#mine li[data-conversation="${id}"]`);
    await agentPage.click("#resolve");
    await customer.waitForSelector(".hw-stars button");
    await customer.click(".hw-stars button:nth-child(5)");
    await customer.waitForSelector(".hw-note:has-text('Thank you')");
    let metrics = "";
    for (let i = 0; i < 50 && !/handoff_feedback_scores_total\{score="5"\} 1/.test(metrics); ++i) {
      metrics = await (await fetch(base + "/metrics")).text();
      await new Promise(r => setTimeout(r, 100));
    }
    assert.match(metrics, /handoff_feedback_scores_total\{score="5"\} 1/);
    assert.match(metrics, /handoff_escalations_total 3/);
  });
  console.log("e2e: 9 passed, 0 failed");
} catch (e) {
  console.error("e2e: failed:", e);
  process.exitCode = 1;
  // What each page showed when it failed.
  for (const [name, p] of Object.entries(pages))
    await p.screenshot({ path: path.join(out, `failed-${name}.png`) }).catch(() => {});
} finally {
  if (browser) await browser.close();
  clearTimeout(deadline);
  cleanup();
}
