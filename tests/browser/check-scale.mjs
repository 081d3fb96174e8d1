// Opens a large iamdiff HTML diff report (a generated 20,000-user pair) in headless
// Chromium and checks that it is usable at that size (issue 12 item 3): it loads and
// renders in under 2 s, has no horizontal overflow at 1280 px, and its changes section,
// filters, sorting, paging and drill-down work on thousands of findings. Prints `load_ms=N`.
//
// usage: node check-scale.mjs REPORT.html SCREENSHOT.png
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import assert from "node:assert/strict";

const [file, shot] = process.argv.slice(2);
if (!file || !shot) {
  console.error("usage: node check-scale.mjs REPORT.html SCREENSHOT.png");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
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
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // the best of three loads: the machine running the tests may be busy
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await page.waitForFunction(() => window.__iamdiffReady === true, null, { timeout: 30000 });
    best = Math.min(best, Date.now() - t0);
  }
  console.log(`load_ms=${best}`);
  const rows = page.locator("#findings tbody tr");
  const total = Number((await page.locator("#f-count").innerText()).split(" ")[0]);

  await check("no script error", async () => assert.deepEqual(errors, []));
  await check("loads and renders in under 2 s", async () => assert.ok(best < 2000, `${best} ms`));
  await check("thousands of findings, one page of rows in the DOM", async () => {
    assert.ok(total >= 1000, `findings: ${total}`);
    const n = await rows.count();
    assert.ok(n > 0 && n <= 100, `rows: ${n}`);
  });
  await check("no horizontal overflow at 1280 px", async () => {
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(w <= 1280, `page is ${w} px wide`);
  });
  await check("the chart summarizes the rest of the services", async () => {
    const bars = await page.locator("svg#loss-chart g.bar-row").count();
    assert.ok(bars > 0 && bars <= 12, `bars: ${bars}`);
  });
  await check("the gate filter keeps only failing findings", async () => {
    await page.selectOption("#f-gate", "2");
    const gates = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.gate));
    assert.ok(gates.length > 0 && gates.every((g) => g === "fails"), gates.join(","));
    await page.selectOption("#f-gate", "");
  });
  await check("the level filter keeps that level and above", async () => {
    await page.selectOption("#f-level", { label: "≥ Write" });
    const levels = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.level));
    assert.ok(levels.length > 0);
    assert.ok(levels.every((l) => l === "Write" || l === "Permissions management"), levels.join(","));
    await page.selectOption("#f-level", "");
  });
  await check("the changes lead, a page of them in the DOM, and one filters the table by its cause", async () => {
    const changes = page.locator("#changes details.cause");
    const n = await changes.count();
    assert.ok(n > 0 && n <= 50, `changes: ${n}`);
    const first = changes.first();
    await first.locator("summary").click();
    await first.locator(".c-body").waitFor();
    const id = await first.locator(".c-id").innerText();
    await first.locator("button.c-show").click();
    const causes = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.causes));
    assert.ok(causes.length > 0 && causes.every((c) => c.split(" ").includes(id)), causes.slice(0, 5).join(","));
    const why = await rows.first().locator("td.why").innerText();
    assert.ok(why.length > 0, "the why column is filled");
    await page.fill("#f-cause", "");
    await first.locator("summary").click();
  });
  await check("the pager moves through the findings", async () => {
    const first = await rows.first().innerText();
    await page.locator("#findings-pager button.next").click();
    assert.match(await page.locator("#findings-pager .page-of").innerText(), /^page 2 of \d+$/);
    assert.notEqual(await rows.first().innerText(), first);
  });
  await check("sorting by level puts the most severe first", async () => {
    const header = page.locator("#findings thead th", { hasText: "Level" }).locator("button");
    await header.click();
    await header.click();
    const v = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.cells[3].dataset.v)));
    assert.ok(v.every((x) => x === 4) || v.every((x, i) => i === 0 || v[i - 1] >= x), v.join(","));
  });
  await check("a principal link opens its drill-down on its page", async () => {
    await page.selectOption("#f-gate", "2");
    const link = rows.last().locator("a.plink");
    const id = (await link.getAttribute("href")).slice(1);
    await link.click();
    await page.waitForFunction((x) => document.getElementById(x) && document.getElementById(x).open, id, { timeout: 5000 });
    const body = await page.locator(`details#${id}`).innerText();
    assert.ok(body.includes("Before") && body.includes("After"), "sides shown");
    await page.selectOption("#f-gate", "");
  });

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot, fullPage: false });
} finally {
  await browser.close();
}

if (failed > 0) {
  console.log(`${failed} browser check(s) failed`);
  process.exit(1);
}
console.log("all browser checks passed");
