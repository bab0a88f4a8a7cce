// vega + vega-lite + vega-embed as one script exposing MKVega.embed. Charts never load anything:
// the loader refuses every URL (data arrives inline in the spec's datasets), and the action
// menu (links to the online editor) is off.
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import embed from 'vega-embed';

const refuse = () => Promise.reject(new Error('the gallery does not load external data'));
const loader = vega.loader();
loader.load = refuse;
loader.sanitize = refuse;
loader.http = refuse;
loader.file = refuse;

window.MKVega = {
  embed(el, spec) {
    return embed(el, spec, { actions: false, renderer: 'svg', loader, vega, vegaLite, logLevel: vega.Error, tooltip: true });
  },
};
