// Draw Adaptive Cards to PNG with the real Adaptive Cards JS renderer (npm `adaptivecards`) in headless Chromium.
//
//   node render.mjs CARDS.json OUT_DIR [--width 600]
//
// CARDS.json maps a name to a card. For each card this writes OUT_DIR/NAME.png (the card alone, at 2x) and
// prints one JSON line: {"name", "png", "width", "height", "text", "warnings", "errors"}, where `text` is what the
// card shows (innerText, the first Action.ShowCard opened) and `errors` are the renderer's
// validation errors (unknown element types, bad values). Markdown in TextBlocks goes through markdown-it, as
// hosts such as Teams process it; TextRuns stay literal. The browser is the system Chromium (PSE_CHROMIUM or
// /usr/bin/chromium), started offline with a throw-away profile.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const width = args.includes("--width") ? Number(args[args.indexOf("--width") + 1]) : 600;
const [cardsPath, outDir] = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--width");
const cards = JSON.parse(readFileSync(cardsPath, "utf8"));
const hostConfig = JSON.parse(readFileSync(join(here, "teams-light.hostconfig.json"), "utf8"));
const executablePath = process.env.PSE_CHROMIUM || "/usr/bin/chromium";
const profile = mkdtempSync(join(tmpdir(), "pse-chromium-"));

// A fresh profile per run (Playwright passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: width + 40, height: 800 },
  deviceScaleFactor: 2,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"],
});
try {
  const page = context.pages()[0] || await context.newPage();
  await page.route("**/*", (route) => route.request().url().startsWith("file:") || route.request().url().startsWith("data:")
    ? route.continue() : route.abort());  // offline: nothing leaves the machine
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 20px; background: #f5f5f5; font-family: 'Segoe UI', 'DejaVu Sans', sans-serif; }
    #card { width: ${width}px; background: #fff; border: 1px solid #e1dfdd; border-radius: 4px; }
    /* markdown-it output inside TextBlocks, styled as Teams styles it: lists indented within the card (the
       renderer gives a list width 100%), no extra margins */
    .ac-textBlock p { margin: 0; }
    .ac-textBlock ul, .ac-textBlock ol { margin: 0; padding-left: 1.4em; box-sizing: border-box; }
    .ac-textBlock li { white-space: normal; }
  </style></head><body><div id="card"></div></body></html>`);
  await page.addScriptTag({ path: join(here, "node_modules/markdown-it/dist/markdown-it.min.js") });
  await page.addScriptTag({ path: join(here, "node_modules/adaptivecards/dist/adaptivecards.min.js") });
  for (const [name, card] of Object.entries(cards)) {
    const result = await page.evaluate(({ card, hostConfig }) => {
      const AC = window.AdaptiveCards;
      const md = window.markdownit({ linkify: false });
      AC.AdaptiveCard.onProcessMarkdown = (text, r) => { r.outputHtml = md.render(text); r.didProcess = true; };
      const ac = new AC.AdaptiveCard();
      ac.hostConfig = new AC.HostConfig(hostConfig);
      const parsing = new AC.SerializationContext();
      ac.parse(card, parsing);
      const errors = [];
      const warnings = [];
      for (let i = 0; i < parsing.eventCount; i++) {
        const ev = parsing.getEventAt(i);
        (ev.phase === AC.ValidationPhase.Parse && ev.event !== AC.ValidationEvent.UnknownElementType
          ? warnings : errors).push(`${AC.ValidationEvent[ev.event]}: ${ev.message}`);
      }
      const validation = ac.validateProperties();
      for (const ev of validation.validationEvents) {
        errors.push(`${AC.ValidationEvent[ev.event]}: ${ev.message}`);
      }
      const host = document.getElementById("card");
      host.innerHTML = "";
      host.appendChild(ac.render());
      // Open the first Action.ShowCard so its content is drawn and read too (a card shows one at a time).
      const more = host.querySelector("button.expandable");
      if (more) more.click();
      return { errors, warnings, text: host.innerText };
    }, { card, hostConfig });
    const png = resolve(outDir, `${name}.png`);
    const box = await page.locator("#card").boundingBox();
    await page.setViewportSize({ width: width + 40, height: Math.ceil(box.height + 40) });
    await page.locator("#card").screenshot({ path: png });
    console.log(JSON.stringify({ name, png, width: Math.round(box.width), height: Math.round(box.height), ...result }));
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
