// Builds mediakit/_gallery/assets/ from src/ and the npm packages (run: npm ci && npm run build):
// gallery.js (the page, no dependencies), vega.js (vega + vega-lite + vega-embed), viewer3d.js
// (three.js), plotly.min.js (copied from plotly.js-dist-min) and LICENSES.txt, the licence of
// every package whose code is in a built file (found from esbuild's metafile).
import { build } from 'esbuild';
import { copyFileSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const out = resolve(here, '../mediakit/_gallery/assets');
const common = { bundle: true, minify: true, format: 'iife', target: ['chrome100', 'firefox100', 'safari15'], metafile: true, legalComments: 'none', logLevel: 'warning' };

const packages = new Map();
function collect(meta) {
  for (const input of Object.keys(meta.inputs)) {
    const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (m) packages.set(m[1], join(here, 'node_modules', m[1]));
  }
}

const a = await build({ ...common, entryPoints: [join(here, 'src/table.js')], outfile: join(out, 'table.tmp.js'), write: false });
const b = await build({ ...common, entryPoints: [join(here, 'src/gallery.js')], write: false });
writeFileSync(join(out, 'gallery.js'), a.outputFiles[0].text + b.outputFiles[0].text);
for (const [entry, file] of [['src/vega.js', 'vega.js'], ['src/viewer3d.js', 'viewer3d.js']]) {
  const r = await build({ ...common, entryPoints: [join(here, entry)], outfile: join(out, file) });
  collect(r.metafile);
}
copyFileSync(join(here, 'node_modules/plotly.js-dist-min/plotly.min.js'), join(out, 'plotly.min.js'));
copyFileSync(join(here, 'src/gallery.css'), join(out, 'gallery.css'));
packages.set('plotly.js-dist-min', join(here, 'node_modules/plotly.js-dist-min'));

let text = 'Third-party software in the mediakit gallery scripts (mediakit/_gallery/assets/).\n' +
  'gallery.js and gallery.css are mediakit\'s own (MIT). The other scripts bundle these npm packages:\n';
for (const name of [...packages.keys()].sort()) {
  const dir = packages.get(name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const lic = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
  text += `\n${'='.repeat(78)}\n${name} ${pkg.version} — ${pkg.license || 'see below'}\n${'='.repeat(78)}\n`;
  text += lic ? readFileSync(join(dir, lic), 'utf8').trim() + '\n' : `(no licence file in the package; package.json says: ${pkg.license})\n`;
}
writeFileSync(join(out, 'LICENSES.txt'), text);
console.log(`built ${out}: ${packages.size} packages`);
