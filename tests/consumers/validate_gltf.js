// Validates glTF/GLB files with the Khronos glTF validator (the npm package `gltf-validator`).
// Usage: node validate_gltf.js FILE...  prints one JSON array to stdout: per file its error and
// warning counts and the messages (code, message, JSON pointer).
// With no FILE it serves the tests: reads one path a line on stdin and answers each with one JSON
// line on stdout (one Node start-up for the whole session).
"use strict";
const fs = require("fs");
const path = require("path");
const validator = require("gltf-validator");

async function validateOne(file) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 0,
    writeTimestamp: false,
    externalResourceFunction: (uri) =>
      new Promise((resolve, reject) => {
        const target = path.resolve(path.dirname(file), decodeURIComponent(uri));
        fs.readFile(target, (err, data) => (err ? reject(err.toString()) : resolve(new Uint8Array(data))));
      }),
  });
  const issues = report.issues;
  return {
    file,
    validator: report.validatorVersion,
    mimeType: report.mimeType,
    numErrors: issues.numErrors,
    numWarnings: issues.numWarnings,
    errors: issues.messages
      .filter((m) => m.severity === 0)
      .map((m) => ({ code: m.code, message: m.message, pointer: m.pointer || null })),
    warnings: issues.messages
      .filter((m) => m.severity === 1)
      .map((m) => ({ code: m.code, message: m.message, pointer: m.pointer || null })),
  };
}

async function report(file) {
  try {
    return await validateOne(file);
  } catch (err) {
    return { file, failure: String(err) };
  }
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length) {
    const out = [];
    for (const file of files) out.push(await report(file));
    process.stdout.write(JSON.stringify(out) + "\n");
    return;
  }
  const lines = require("readline").createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim()) process.stdout.write(JSON.stringify(await report(line.trim())) + "\n");
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(2);
});
