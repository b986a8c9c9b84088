// Whether bin/ (the program compiled by `npm run build`) is the program in the sources. Plain
// JavaScript on purpose: main.js asks before anything registers TypeScript.
//
// The build (tools/build.ts) writes bin/build-stamp.json: every source file the compiled program
// was built from (index.ts and what it imports, JSON data included) with a digest of their
// contents. bin/ is current when those files still have that digest; a changed import list changes
// a listed file, so a new file cannot slip in unnoticed.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const STAMP = path.join("bin", "build-stamp.json");

/** sha256 over the files' relative paths and contents, in the given order. */
function digest(root, files) {
  const h = crypto.createHash("sha256");
  for (const f of files) {
    h.update(f).update("\0");
    h.update(fs.readFileSync(path.join(root, f))).update("\0");
  }
  return h.digest("hex");
}

/**
 * Write the stamp for a build of `files` (paths relative to root, forward slashes).
 * @param {string} root
 * @param {string[]} files
 */
function writeStamp(root, files) {
  const sorted = [...new Set(files)].sort();
  const stamp = { note: "Written by npm run build (tools/build.ts); read by main.js. Do not edit.", files: sorted, digest: digest(root, sorted) };
  fs.mkdirSync(path.join(root, path.dirname(STAMP)), { recursive: true });
  fs.writeFileSync(path.join(root, STAMP), JSON.stringify(stamp, null, 2) + "\n");
}

/**
 * Why bin/ cannot be used as the program, or undefined when it is current.
 * @param {string} root
 * @returns {string | undefined}
 */
function buildProblem(root) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), "utf8"));
  } catch {
    return "bin/ has not been built (no bin/build-stamp.json)";
  }
  if (!Array.isArray(stamp.files) || typeof stamp.digest !== "string") return "bin/build-stamp.json is not a stamp written by npm run build";
  const missing = stamp.files.find((f) => !fs.existsSync(path.join(root, f)));
  if (missing) return `${missing} was removed since the last build`;
  if (digest(root, stamp.files) === stamp.digest) return undefined;
  // Name a changed file (a second pass only when stale, which is rare and cheap).
  const changed = stamp.files.find((f) => {
    const built = path.join(root, "bin", f.replace(/\.ts$/, ".js"));
    return !fs.existsSync(built) || fs.statSync(path.join(root, f)).mtimeMs > fs.statSync(built).mtimeMs;
  });
  return `${changed ?? "a source file"} changed since the last build`;
}

module.exports = { STAMP, digest, writeStamp, buildProblem };
