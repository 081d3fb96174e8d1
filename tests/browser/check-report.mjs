// Drives an iamdiff HTML diff report in headless Chromium and checks what a reader relies
// on: hostile names show as text (no element, no script run), the changes lead and open
// onto their principals and findings, each row says why, the filters (text, category,
// gate, level at or above, cause) hide rows, a header click sorts, the chart has bars. Writes a screenshot for a person to look at.
//
// usage: node check-report.mjs REPORT.html SCREENSHOT.png
// Run by tests/reports.rs; needs /usr/bin/chromium and `npm ci` here. The machine may have
// no network, so the browser is told not to reach for it.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [file, shot] = process.argv.slice(2);
if (!file || !shot) {
  console.error("usage: node check-report.mjs REPORT.html SCREENSHOT.png");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(e && e.message ? e.message : e).split("\n").join("\n  ")}`);
  }
}

try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  const requests = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) requests.push(r.url());
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

  const rows = page.locator("#findings tbody tr");
  const visible = () => page.locator("#findings tbody tr:not([hidden])");
  const total = await rows.count();

  await check("the page loads nothing from the network and has no script error", async () => {
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
  });

  await check("hostile names are text: no injected element, no script ran", async () => {
    assert.equal(await page.locator("img").count(), 0);
    assert.equal(await page.locator("svg[onload], [onerror]").count(), 0);
    assert.equal(await page.locator("body script:not([type=\"application/json\"])").count(), 1, "only the report's own script");
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    const text = await page.locator("#findings").innerText();
    assert.ok(text.includes('<img src=x onerror="window.__xss=1">'), "the name shows as text");
  });

  await check("the chart has bars", async () => {
    assert.equal(await page.locator("svg#loss-chart").count(), 1);
    const bars = await page.locator("svg#loss-chart rect.bar").count();
    assert.ok(bars > 0, `bars: ${bars}`);
    const box = await page.locator("svg#loss-chart rect.bar").first().boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, "a bar is drawn");
  });

  await check("filtering by principal text hides the other rows", async () => {
    assert.ok(total > 3, `rows: ${total}`);
    await page.fill("#f-principal", "carol");
    const shown = await visible().count();
    assert.ok(shown > 0 && shown < total, `shown ${shown} of ${total}`);
    for (const p of await visible().evaluateAll((trs) => trs.map((tr) => tr.dataset.principal))) {
      assert.ok(p.toLowerCase().includes("carol"), p);
    }
    assert.match(await page.locator("#f-count").innerText(), new RegExp(`^${shown} of ${total} findings$`));
    await page.fill("#f-principal", "no-such-principal");
    assert.equal(await visible().count(), 0);
    assert.equal(await page.locator("#no-match").isVisible(), true);
    await page.fill("#f-principal", "");
    assert.equal(await visible().count(), total);
  });

  await check("the category select filters", async () => {
    await page.selectOption("#f-category", "lost");
    const cats = await visible().evaluateAll((trs) => trs.map((tr) => tr.dataset.category));
    assert.ok(cats.length > 0 && cats.length < total, `shown ${cats.length}`);
    assert.ok(cats.every((c) => c === "lost"), cats.join(","));
    await page.selectOption("#f-category", "");
    assert.equal(await visible().count(), total);
  });

  await check("clicking a column header sorts the rows, again reverses", async () => {
    const levels = () => rows.evaluateAll((trs) => trs.map((tr) => Number(tr.cells[3].dataset.v)));
    const levelHeader = page.locator("#findings thead th", { hasText: "Level" });
    const before = await levels();
    await levelHeader.locator("button").click();
    const asc = await levels();
    assert.deepEqual(asc, [...before].sort((a, b) => a - b));
    assert.equal(await levelHeader.getAttribute("aria-sort"), "ascending");
    await levelHeader.locator("button").press("Enter");
    const desc = await levels();
    assert.deepEqual(desc, [...before].sort((a, b) => b - a));
    assert.equal(await levelHeader.getAttribute("aria-sort"), "descending");
    const names = () => rows.evaluateAll((trs) => trs.map((tr) => tr.cells[0].dataset.v));
    await page.locator("#findings thead th", { hasText: "Principal" }).locator("button").click();
    const sortedNames = await names();
    const copy = [...sortedNames].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
    assert.deepEqual(sortedNames, copy);
    assert.notDeepEqual(sortedNames, desc.map(String));
  });

  await check("a principal link opens its drill-down", async () => {
    const link = page.locator("#findings a.plink", { hasText: "carol" }).first();
    const id = (await link.getAttribute("href")).slice(1);
    await link.click();
    await page.waitForFunction((x) => document.getElementById(x).open, id, { timeout: 5000 });
    assert.equal(await page.locator(`details#${id}`).getAttribute("open"), "");
    const body = await page.locator(`details#${id}`).innerText();
    assert.ok(body.includes("arn:aws:s3:::examplecorp-ds-projects/churn/train.csv"), "witness shown");
    assert.ok(body.includes("ProjectBucketReadWrite"), "statement shown");
  });

  await check("the changes lead, ranked, hostile text shown as text", async () => {
    const changes = page.locator("#changes details.cause");
    assert.ok((await changes.count()) > 1, "changes listed");
    const y = async (sel) => (await page.locator(sel).boundingBox()).y;
    assert.ok((await y("#changes-h")) < (await y("#people-h")), "changes before people");
    const text = await page.locator("#changes").innerText();
    assert.ok(text.includes('<img src=x onerror="window.__xss=1"> removed from group team'), "hostile summary as text");
    // failing changes first
    const fails = await changes.evaluateAll((ds) => ds.map((d) => d.classList.contains("fails")));
    assert.deepEqual(fails, [...fails].sort((a, b) => Number(b) - Number(a)));
  });

  await check("a change opens onto its principals, and shows its findings in the table", async () => {
    const change = page.locator("#changes details.cause", { hasText: "carol removed from group team" });
    await change.locator("summary").click();
    // the body is built when the change first opens
    await change.locator(".c-body").waitFor();
    const body = await change.innerText();
    assert.ok(body.includes("carol was in group team before"), "detail shown");
    assert.equal(await change.locator("a.plink").count(), 1, "principal linked");
    const id = await change.locator(".c-id").innerText();
    await change.locator("button.c-show").click();
    assert.equal(await page.inputValue("#f-cause"), id);
    const causes = await visible().evaluateAll((trs) => trs.map((tr) => tr.dataset.causes));
    assert.ok(causes.length > 0 && causes.length < total, `shown ${causes.length} of ${total}`);
    assert.ok(causes.every((c) => c.split(" ").includes(id)), causes.join(","));
    assert.ok((await change.locator("button.c-show").innerText()).includes(`${causes.length} finding`));
    await page.fill("#f-cause", "");
    assert.equal(await visible().count(), total);
  });

  await check("each finding row says why, and its cause opens", async () => {
    const why = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector("td.why").innerText));
    assert.ok(why.every((w) => /^C\d+ .+ removed from group team/.test(w)), why.join(" | "));
    assert.equal(await page.locator("#findings thead th").last().evaluate((th) => th.textContent), "Why");
    const link = page.locator("#findings td.why a.clink").first();
    const target = (await link.getAttribute("href")).slice(1);
    await link.click();
    await page.waitForFunction((x) => document.getElementById(x) && document.getElementById(x).open, target, { timeout: 5000 });
  });

  await check("the gate and level filters keep fails, and that level and above", async () => {
    await page.selectOption("#f-gate", "2");
    const gates = await visible().evaluateAll((trs) => trs.map((tr) => tr.dataset.gate));
    assert.ok(gates.length > 0 && gates.length < total && gates.every((g) => g === "fails"), gates.join(","));
    await page.selectOption("#f-gate", "");
    await page.selectOption("#f-level", { label: "≥ Write" });
    const levels = await visible().evaluateAll((trs) => trs.map((tr) => tr.dataset.level));
    assert.ok(levels.length > 0 && levels.length < total, `shown ${levels.length} of ${total}`);
    assert.ok(levels.every((l) => l === "Write" || l === "Permissions management"), levels.join(","));
    await page.selectOption("#f-level", "");
    assert.equal(await visible().count(), total);
  });

  // the screenshot: the top of the page, with one principal open below
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: true });
} finally {
  await browser.close();
}

if (failed > 0) {
  console.log(`${failed} browser check(s) failed`);
  process.exit(1);
}
console.log("all browser checks passed");
