// Compiles the portal's stylesheet: GOV.UK Frontend plus the portal's own styles.
//
//   npm run build   ->   build/static/lrs/app.css
//
// Django serves build/static/ (ASSETS_BUILD_DIR) and GOV.UK Frontend's own fonts, images
// and JavaScript from node_modules at /static/govuk/, so only the CSS is built here.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import * as sass from "sass";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "src", "lrs", "portal", "assets", "app.scss");
const outDir = join(root, "build", "static", "lrs");
const outFile = join(outDir, "app.css");

const started = Date.now();
const result = sass.compile(entry, {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  sourceMap: false,
  // GOV.UK Frontend's own deprecation notices are not ours to fix.
  quietDeps: true,
});

mkdirSync(outDir, { recursive: true });
writeFileSync(outFile, result.css + "\n");
const kb = (Buffer.byteLength(result.css) / 1024).toFixed(1);
console.log(`Built ${outFile.slice(root.length + 1)} (${kb} KB) in ${Date.now() - started} ms`);
