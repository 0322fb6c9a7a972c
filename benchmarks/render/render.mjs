// Draws the tour (benchmarks/tour.py) as people see it, in headless Chromium (Debian's `chromium`):
//   node render.mjs OUT CHROMIUM            every OUT/teams/*.json card and OUT/slack/*.json message, at 600 and 360 px,
//                                           as OUT/png/{teams,slack}-{600,360}/NAME.png, and OUT/report.json
//   node render.mjs --measure CHROMIUM      how many characters of button label Teams shows uncut per row
// Cards use Microsoft's own `adaptivecards` renderer with a Teams-like host config; Block Kit is drawn by
// the small look-alike below (header, mrkdwn sections, quotes, context, buttons), enough to judge reading.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const AC_JS = fs.readFileSync(require.resolve("adaptivecards/dist/adaptivecards.min.js"), "utf8");
const WIDTHS = [600, 360];
const FONT = "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, 'Helvetica Neue', 'DejaVu Sans', sans-serif";

// Teams' light theme, as the Adaptive Cards designer's Teams host describes it: 16 px padding, Segoe UI 12/14/14/18/24,
// a row of buttons aligned left (each shrinks, and its label is cut with "…", when the row is too wide), 6 actions.
const HOST_CONFIG = {
  supportsInteractivity: true,
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: "#EEEEEE" },
  fontTypes: {
    default: {
      fontFamily: FONT,
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: "'Courier New', Courier, monospace",
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
  },
  textStyles: { heading: { fontType: "default", size: "large", weight: "bolder", color: "default", isSubtle: false } },
  containerStyles: {
    default: { backgroundColor: "#FFFFFF", foregroundColors: { default: { default: "#242424", subtle: "#616161" }, accent: { default: "#5B5FC7", subtle: "#5B5FC7" } } },
    emphasis: { backgroundColor: "#F5F5F5", foregroundColors: { default: { default: "#242424", subtle: "#616161" } } },
  },
  actions: {
    maxActions: 6, spacing: "default", buttonSpacing: 8, actionsOrientation: "horizontal", actionAlignment: "left",
    showCard: { actionMode: "inline", inlineTopMargin: 16, style: "emphasis" },
  },
  adaptiveCard: { allowCustomStyle: false },
  factSet: { title: { weight: "bolder", wrap: true, maxWidth: 150 }, value: { wrap: true }, spacing: 12 },
};

const CARD_CSS = `
body { margin: 0; background: #EBEBEB; font-family: ${FONT}; }
#host { box-sizing: border-box; padding: 8px; }
.frame { background: #fff; border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.15); overflow: hidden; }
.ac-pushButton { font-family: ${FONT}; font-size: 14px; font-weight: 600; min-height: 32px; padding: 4px 12px;
  border: 1px solid #D1D1D1; border-radius: 4px; background: #fff; color: #242424; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; cursor: pointer; }
.ac-input { font-family: ${FONT}; font-size: 14px; }
`;

function markdown(text) {
  // what Teams does with a TextBlock's markdown that chatops uses: **bold**, _italic_; HTML escaped
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return esc.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/(^|\s)_(.+?)_(?=\s|$)/g, "$1<em>$2</em>");
}

async function renderCard(page, card, width) {
  return page.evaluate(
    (card, width, hostConfig, mdSource) => {
      const md = new Function("text", mdSource);
      AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
        result.outputHtml = md(text);
        result.didProcess = true;
      };
      const host = document.getElementById("host");
      host.innerHTML = "";
      host.style.width = width + "px";
      const frame = document.createElement("div");
      frame.className = "frame";
      host.appendChild(frame);
      const adaptive = new AdaptiveCards.AdaptiveCard();
      adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
      adaptive.parse(card);
      frame.appendChild(adaptive.render());
      const cut = [...frame.querySelectorAll(".ac-pushButton")]
        .filter((b) => b.offsetParent !== null && [b, ...b.querySelectorAll("*")].some((e) => e.scrollWidth > e.clientWidth + 1))
        .map((b) => b.textContent);
      return { cut, height: host.scrollHeight };
    },
    card, width, HOST_CONFIG,
    `return (${markdown.toString()})(text);`,
  );
}

function mrkdwn(text) {
  // Slack's mrkdwn as the client shows it; the text arrives with &, <, > already escaped, as Slack wants them
  const inline = (s) =>
    s.replace(/&lt;@([A-Z0-9]+)&gt;/g, '<span class="bad">&lt;@$1&gt;</span>')
      .replace(/<@([A-Z0-9]+)>/g, '<span class="mention">@$1</span>')
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '<a href="$1">$2</a>')
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1<strong>$2</strong>")
      .replace(/(^|[\s(])_([^_\n]+)_/g, "$1<em>$2</em>");
  const out = [];
  let quote = [];
  const flush = () => { if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`); quote = []; };
  for (const line of text.split("\n")) {
    if (line.startsWith(">")) quote.push(inline(line.slice(1)));
    else { flush(); out.push(`<div class="line">${inline(line) || "&nbsp;"}</div>`); }
  }
  flush();
  return out.join("");
}

function plain(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function slackHtml(messages) {
  const parts = [];
  for (const message of messages) {
    const blocks = message.blocks || [];
    parts.push('<div class="msg"><div class="avatar"></div><div class="content"><div class="who">Protocol <span class="app">APP</span></div>');
    for (const b of blocks) {
      if (b.type === "header") parts.push(`<div class="header">${plain(b.text.text)}</div>`);
      else if (b.type === "section") parts.push(`<div class="section">${mrkdwn(b.text.text)}</div>`);
      else if (b.type === "context") parts.push(`<div class="context">${b.elements.map((e) => mrkdwn(e.text)).join(" ")}</div>`);
      else if (b.type === "actions") parts.push(`<div class="actions">${b.elements.map((e) => `<button>${plain(e.text.text)}</button>`).join("")}</div>`);
      else if (b.type === "divider") parts.push("<hr>");
      else parts.push(`<div class="bad">unknown block ${plain(b.type)}</div>`);
    }
    parts.push("</div></div>");
  }
  return parts.join("");
}

const SLACK_CSS = `
body { margin: 0; background: #fff; font-family: Lato, 'Helvetica Neue', 'DejaVu Sans', sans-serif; font-size: 15px; color: #1d1c1d; line-height: 1.46; }
#host { box-sizing: border-box; padding: 8px 12px; }
.msg { display: flex; gap: 8px; margin-bottom: 12px; }
.avatar { flex: 0 0 36px; height: 36px; border-radius: 6px; background: #4a154b; }
.content { flex: 1; min-width: 0; }
.who { font-weight: 900; } .app { font-size: 10px; background: #eee; color: #666; padding: 1px 3px; border-radius: 2px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.section { margin: 4px 0; overflow-wrap: anywhere; }
blockquote { margin: 2px 0; padding-left: 12px; border-left: 4px solid #ddd; }
.context { font-size: 12px; color: #616061; margin: 4px 0; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
button { font: 700 15px Lato, 'DejaVu Sans', sans-serif; border: 1px solid #ccc; background: #fff; border-radius: 4px; padding: 0 12px; height: 28px; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
code { font-family: monospace; font-size: 12px; color: #e01e5a; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 2px; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.bad { background: #ffd6d6; color: #a00; }
.line { min-height: 1em; }
`;

async function screenshot(page, file) {
  const host = await page.$("#host");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await host.screenshot({ path: file });
}

async function measure(browser) {
  const page = await browser.newPage();
  await page.setContent(`<html><head><style>${CARD_CSS}</style><script>${AC_JS}</script></head><body><div id="host"></div></body></html>`);
  const word = "Raise a concern privately What Members can expect from Employees ";
  const label = (n) => word.repeat(4).slice(0, n).replace(/ $/, "x");
  const result = {};
  for (const width of WIDTHS) {
    for (const buttons of [1, 2, 3, 4]) {
      let best = 0;
      for (let n = 2; n <= 90; n++) {
        const card = { type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock", text: "x" }],
          actions: Array.from({ length: buttons }, () => ({ type: "Action.Submit", title: label(n) })) };
        const { cut } = await renderCard(page, card, width);
        if (cut.length) break;
        best = n;
      }
      result[`${width}px, ${buttons} button${buttons > 1 ? "s" : ""} a row`] = { per_button: best, together: best * buttons };
    }
  }
  console.log(JSON.stringify(result, null, 1));
}

async function main() {
  const args = process.argv.slice(2);
  const chromium = args[1];
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ["--no-sandbox", "--font-render-hinting=none"] });
  try {
    if (args[0] === "--measure") return await measure(browser);
    const out = args[0];
    const report = {};
    const page = await browser.newPage();
    await page.setViewport({ width: 620, height: 800 });
    await page.setContent(`<html><head><style>${CARD_CSS}</style><script>${AC_JS}</script></head><body><div id="host"></div></body></html>`);
    for (const file of fs.readdirSync(path.join(out, "teams")).sort()) {
      const card = JSON.parse(fs.readFileSync(path.join(out, "teams", file), "utf8"));
      for (const width of WIDTHS) {
        const { cut, height } = await renderCard(page, card, width);
        const name = file.replace(/\.json$/, "");
        report[`teams-${width}/${name}`] = { height, cut };
        await screenshot(page, path.join(out, "png", `teams-${width}`, `${name}.png`));
      }
    }
    const slack = await browser.newPage();
    await slack.setViewport({ width: 620, height: 800 });
    for (const file of fs.readdirSync(path.join(out, "slack")).sort()) {
      const payload = JSON.parse(fs.readFileSync(path.join(out, "slack", file), "utf8"));
      for (const width of WIDTHS) {
        await slack.setContent(`<html><head><style>${SLACK_CSS}</style></head><body><div id="host" style="width:${width}px">${slackHtml(payload)}</div></body></html>`);
        const name = file.replace(/\.json$/, "");
        const height = await slack.evaluate(() => document.getElementById("host").scrollHeight);
        report[`slack-${width}/${name}`] = { height };
        await screenshot(slack, path.join(out, "png", `slack-${width}`, `${name}.png`));
      }
    }
    fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(report, null, 1));
    const cut = Object.entries(report).filter(([, r]) => r.cut && r.cut.length);
    console.log(`${Object.keys(report).length} screenshots under ${path.join(out, "png")}; cards with cut buttons: ${cut.length}`);
    for (const [name, r] of cut) console.log(`  ${name}: ${r.cut.join(" | ")}`);
  } finally {
    await browser.close();
  }
}

await main();
