"""The JavaScript the browser tests run in headless Chromium (through Selenium's
``execute_async_script``: the callback is the last argument). Each script reports what a web page
sees of one file served by the test's HTTP server: events, durations, sizes, pixels, samples."""

from __future__ import annotations

#: <video>: wait for ``loadeddata`` (or ``error``), then draw the current frame to a canvas.
VIDEO = r"""
const url = arguments[0], done = arguments[arguments.length - 1];
const v = document.createElement('video');
v.muted = true; v.preload = 'auto'; v.playsInline = true;
const out = {events: []};
let finished = false;
const finish = (o) => { if (!finished) { finished = true; clearTimeout(timer); v.removeAttribute('src'); v.load(); v.remove(); done(Object.assign(out, o)); } };
const timer = setTimeout(() => finish({event: 'timeout', readyState: v.readyState}), 20000);
v.addEventListener('error', () => finish({event: 'error', code: v.error ? v.error.code : null, message: v.error ? v.error.message : ''}));
v.addEventListener('loadedmetadata', () => out.events.push('loadedmetadata'));
v.addEventListener('loadeddata', () => {
  out.events.push('loadeddata');
  const w = v.videoWidth, h = v.videoHeight;
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  // 'loadeddata' says the first frame is decoded; on a busy machine it may not be ready to draw
  // yet (drawImage then leaves the canvas empty). Draw again every 50 ms, up to 2 s, until
  // something is painted; the report says how many draws it took.
  let draws = 0;
  const grab = () => {
    draws++;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(v, 0, 0, w, h);
    const px = ctx.getImageData(0, 0, w, h).data;
    let painted = false;
    for (let i = 0; i < px.length && !painted; i += 4) { painted = px[i + 3] !== 0 && (px[i] | px[i + 1] | px[i + 2]) !== 0; }
    if (!painted && draws < 40) { setTimeout(grab, 50); return; }
    finish({event: 'loadeddata', duration: String(v.duration), width: w, height: h, frame: c.toDataURL('image/png'), draws: draws});
  };
  grab();
});
v.src = url;
document.body.appendChild(v);
"""

#: <img> (a GIF): natural size and the first frame drawn; then ImageDecoder (WebCodecs) for the
#: frame count and the frames' durations, as Chromium's decoder reads them.
IMAGE = r"""
const url = arguments[0], done = arguments[arguments.length - 1];
const img = new Image();
const timer = setTimeout(() => done({event: 'timeout'}), 20000);
img.onerror = () => { clearTimeout(timer); done({event: 'error'}); };
img.onload = async () => {
  clearTimeout(timer);
  const out = {event: 'load', width: img.naturalWidth, height: img.naturalHeight};
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  c.getContext('2d').drawImage(img, 0, 0);
  out.frame = c.toDataURL('image/png');
  try {
    const resp = await fetch(url);
    out.contentType = resp.headers.get('content-type');
    const dec = new ImageDecoder({data: await resp.arrayBuffer(), type: out.contentType});
    await dec.tracks.ready;
    await dec.completed;
    const n = dec.tracks.selectedTrack.frameCount;
    let micros = 0;
    for (let i = 0; i < n; i++) {
      const r = await dec.decode({frameIndex: i});
      micros += r.image.duration || 0;
      if (i === n - 1) {  // the last frame as the browser composites it over the frames before
        const lc = document.createElement('canvas'); lc.width = img.naturalWidth; lc.height = img.naturalHeight;
        lc.getContext('2d').drawImage(r.image, 0, 0);
        out.last = lc.toDataURL('image/png');
      }
      r.image.close();
    }
    dec.close();
    Object.assign(out, {frameCount: n, totalDuration: micros / 1e6});
  } catch (e) {
    out.decoderError = String(e);
  }
  done(out);
};
img.src = url;
"""

#: <audio>: wait for ``loadeddata``; then decode the file with Web Audio at the descriptor's sample
#: rate (no resampling) and hand back every channel's samples as little-endian float32 base64.
AUDIO = r"""
const url = arguments[0], rate = arguments[1], done = arguments[arguments.length - 1];
const a = document.createElement('audio');
a.preload = 'auto';
let finished = false;
const finish = (o) => { if (!finished) { finished = true; clearTimeout(timer); a.removeAttribute('src'); a.load(); done(o); } };
const timer = setTimeout(() => finish({event: 'timeout', readyState: a.readyState}), 20000);
a.addEventListener('error', () => finish({event: 'error', code: a.error ? a.error.code : null, message: a.error ? a.error.message : ''}));
a.addEventListener('loadeddata', async () => {
  const out = {event: 'loadeddata', duration: String(a.duration)};
  try {
    const ctx = new OfflineAudioContext(1, 1, rate);
    const buf = await ctx.decodeAudioData(await (await fetch(url)).arrayBuffer());
    Object.assign(out, {sampleRate: buf.sampleRate, length: buf.length, channels: buf.numberOfChannels, samples: []});
    for (let ch = 0; ch < buf.numberOfChannels; ch++) {
      const bytes = new Uint8Array(buf.getChannelData(ch).buffer);
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      out.samples.push(btoa(s));
    }
  } catch (e) {
    out.decodeError = String(e);
  }
  finish(out);
});
a.src = url;
document.body.appendChild(a);
"""

#: What the page shows of an HTML document the browser has navigated to.
HTML_PAGE = r"""
return {text: document.body ? document.body.innerText : null, title: document.title,
        charset: document.characterSet, mode: document.compatMode, contentType: document.contentType};
"""

#: What the media elements say they can play.
CAN_PLAY = r"""
const v = document.createElement('video');
return arguments[0].map((t) => v.canPlayType(t));
"""
