// Drives headless Chromium (Debian's /usr/bin/chromium, through playwright-core) through the docs and the admin,
// as a new user would. Run by tests/core/test_docs_browser.py against a live test server:
//   node tests/browser/docs.mjs <base url> <access token> <product name> <admin username> <admin password>
// Prints one JSON object: {ok, steps, failures, external, refused}; exits 1 when a step failed or a request left the
// machine.
import { chromium } from "playwright-core";

const [baseUrl, token, productName, adminUsername, adminPassword] = process.argv.slice(2);
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);
const steps = [];
const failures = [];
const external = [];

async function step(name, body) {
  try {
    await body();
    steps.push(name);
  } catch (error) {
    failures.push(`${name}: ${String(error.message || error).split("\n")[0]}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});
const context = await browser.newContext();
// Every request is watched; one to another host is recorded and refused (the docs must work without them).
await context.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (["http:", "https:", "ws:", "wss:"].includes(url.protocol) && !LOCAL_HOSTS.has(url.hostname)) {
    external.push(url.href);
    return route.abort();
  }
  return route.continue();
});
const page = await context.newPage();
page.setDefaultTimeout(20000);
// What the pages' Content-Security-Policy refused to load (it never left the machine): reported, not a failure.
const refused = [];
page.on("console", (message) => {
  if (message.text().includes("Content Security Policy")) refused.push(message.text().slice(0, 200));
});

await step("Swagger: authorize with the access token alone", async () => {
  await page.goto(`${baseUrl}/api/docs/`);
  await page.locator(".swagger-ui .btn.authorize").first().click();
  await page.locator(".modal-ux input").first().fill(token);
  await page.locator(".modal-ux .auth-btn-wrapper button.authorize").click();
  await page.locator(".modal-ux button.btn-done").click();
});

await step("Swagger: Try it out on GET /api/products/ answers 200 with a product", async () => {
  const operation = page.locator("#operations-products-products_list");
  await operation.locator(".opblock-summary").first().click();
  await operation.locator("button.try-out__btn").click();
  await operation.locator("button.execute").click();
  const status = operation.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor();
  check((await status.innerText()).trim().startsWith("200"), `status ${await status.innerText()}`);
  const body = operation.locator(".live-responses-table .response-col_description pre").first();
  check((await body.innerText()).includes(productName), "the product's name is not in the response");
});

await step("Swagger: the authorization survives a reload", async () => {
  await page.reload();
  await page.locator(".swagger-ui .btn.authorize").first().waitFor();
  const stored = await page.evaluate(() => window.localStorage.getItem("authorized") || "");
  check(stored.includes(token), "no stored authorization after the reload");
  check(await page.locator(".swagger-ui .btn.authorize.locked").count() > 0, "Authorize is not shown as locked");
});

await step("ReDoc: renders the API and its operations", async () => {
  await page.goto(`${baseUrl}/api/redoc/`);
  await page.locator(".api-info h1").filter({ hasText: "Stockroom API" }).waitFor({ timeout: 60000 });
  await page.locator("h2").filter({ hasText: "List products with their variants and stock figures" }).first().waitFor();
});

await step("Admin: log in and open the product list", async () => {
  await page.goto(`${baseUrl}/admin/login/`);
  await page.fill("#id_username", adminUsername);
  await page.fill("#id_password", adminPassword);
  await page.click("input[type=submit]");
  await page.goto(`${baseUrl}/admin/catalog/product/`);
  await page.getByText(productName).first().waitFor();
  const styled = await page.evaluate(
    () => [...document.styleSheets].some((sheet) => (sheet.href || "").includes("/static/admin/css/")),
  );
  check(styled, "the admin's stylesheet did not load");
});

await browser.close();
const ok = failures.length === 0 && external.length === 0;
console.log(JSON.stringify({ ok, steps, failures, external, refused }));
process.exit(ok ? 0 : 1);
