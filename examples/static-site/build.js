// Renders src/*.md-ish text pages into dist/*.html.
const fs = require("fs");
const path = require("path");

fs.mkdirSync("dist", { recursive: true });
for (const f of fs.readdirSync("src")) {
  const text = fs.readFileSync(path.join("src", f), "utf8");
  const title = text.split("\n")[0];
  const html = `<!doctype html><title>${title}</title><h1>${title}</h1>\n`;
  fs.writeFileSync(path.join("dist", f.replace(/\.txt$/, ".html")), html);
}
