// nnkern explorer: one recorded run, scrubbed through time and edited live.
// The run (model, snapshots as int16 x per-parameter scale, data, history, palette) is the JSON in
// #run-data, written by nnkern.explorer.page. Everything is computed here, in float32 arrays:
// the forward pass over the plane's grid, the accuracy on the data, one point's pass.
"use strict";
(function () {
  const RUN = JSON.parse(document.getElementById("run-data").textContent);
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- the run
  function bytes(b64) {
    const s = atob(b64), u = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return u.buffer;
  }
  const sizes = RUN.model.sizes, L = sizes.length - 1;
  const wOff = [], bOff = [];
  let P = 0;
  for (let l = 0; l < L; l++) { wOff.push(P); bOff.push(P + sizes[l] * sizes[l + 1]); P += (sizes[l] + 1) * sizes[l + 1]; }
  const steps = RUN.snapshots.steps, N = steps.length, last = N - 1;
  const scale = new Float32Array(bytes(RUN.snapshots.scale));
  const quantized = new Int16Array(bytes(RUN.snapshots.q));
  const snaps = new Float32Array(N * P);              // the page's parameters: float32(q) * scale, rounded to float32
  for (let k = 0; k < N; k++) for (let p = 0; p < P; p++) snaps[k * P + p] = quantized[k * P + p] * scale[p];
  const X = new Float32Array(bytes(RUN.data.X)), Y = new Uint8Array(bytes(RUN.data.y)), nData = Y.length;
  const spe = RUN.stepsPerEpoch, history = RUN.history;
  const [xmin, xmax, ymin, ymax] = RUN.extent, res = RUN.resolution;
  const nOut = sizes[L], binary = nOut <= 2;
  const pal = RUN.palette;

  // ---------------------------------------------------------------- colours (as nnkern/viz/style.py)
  const SIGNED = new Set(["tanh", "identity", "leaky_relu"]);
  const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
  const ramp = (a, b, n) => Array.from({ length: n }, (_, i) => a.map((v, c) => v + (b[c] - v) * (i / (n - 1))));
  const DIVERGING = ramp(hex(pal.zero), hex(pal.negative), 256).reverse().concat(ramp(hex(pal.zero), hex(pal.positive), 256).slice(1));
  const SEQUENTIAL = ramp(hex(pal.dark), hex(pal.bright), 256);
  const CLASSES = pal.classes.map(hex);
  const ZERO = hex(pal.zero);
  const SHADE = 0.55;                                 // the boundary image's dimming (DecisionBoundary's shade)
  const bytesOf = (table, k) => Uint8ClampedArray.from(table.flat().map((v) => Math.round(v * k * 255)));
  const DIV8 = bytesOf(DIVERGING, 1), SEQ8 = bytesOf(SEQUENTIAL, 1), DIV8_SHADED = bytesOf(DIVERGING, SHADE);
  // row of ``table`` for v mapped from [lo, hi] * s onto its n + 1 rows (style._lookup)
  const row = (v, lo, hi, s, n) => Math.min(n, Math.max(0, Math.trunc(v * (n / ((hi - lo) * s)) + (-lo * n / (hi - lo) + 0.5))));
  const signedRow = (v, s = 1) => row(v, -1, 1, s, 510);
  const unsignedRow = (v, s = 1) => row(v, 0, 1, s, 255);
  const css = (rgb) => `rgb(${rgb.map((v) => Math.round(v * 255)).join(",")})`;
  const signedCss = (v, s = 1) => css(DIVERGING[signedRow(v, s)]);
  const activationCss = (v, act) => (SIGNED.has(act) ? signedCss(v) : css(SEQUENTIAL[unsignedRow(v)]));
  // the page's own greys: the palette's text blended into its background
  const mix = (t) => css(hex(pal.background).map((v, c) => v + (hex(pal.text)[c] - v) * t));
  const INK = { muted: mix(0.6), axis: mix(0.45), rule: mix(0.3), line: mix(0.27), surface: mix(0.1), panel: mix(0.07) };
  const rootStyle = document.documentElement.style;
  for (const [name, value] of Object.entries({ bg: pal.background, fg: pal.text, frame: pal.frame, highlight: pal.highlight, muted: INK.muted,
    line: INK.line, surface: INK.surface, panel: INK.panel, rule: INK.rule })) rootStyle.setProperty(`--${name}`, value);
  function probabilityRgb(probs, o) {               // style.probability_rgb for one sample's outputs probs[o..]
    if (binary) return DIVERGING[signedRow(2 * probs[o + nOut - 1] - 1)];
    let best = 0;
    for (let c = 1; c < nOut; c++) if (probs[o + c] > probs[o + best]) best = c;
    const conf = Math.min(1, Math.max(0, (probs[o + best] - 1 / nOut) / (1 - 1 / nOut)));
    const cls = CLASSES[best % CLASSES.length];
    return ZERO.map((z, c) => z + conf * (cls[c] - z));
  }

  // ---------------------------------------------------------------- the forward pass
  // tanh from a table of 8192 intervals over [-9, 9], linearly interpolated: within 5e-7 of Math.tanh, three times faster
  const TANH_RANGE = 9, TANH_STEPS = 8192, TANH_SCALE = TANH_STEPS / (2 * TANH_RANGE);
  const TANH_TABLE = Float64Array.from({ length: TANH_STEPS + 2 }, (_, k) => Math.tanh(Math.min(k / TANH_SCALE - TANH_RANGE, TANH_RANGE)));
  function tanh(x) {
    if (!(x > -TANH_RANGE)) return x !== x ? x : -1;
    if (x >= TANH_RANGE) return 1;
    const u = (x + TANH_RANGE) * TANH_SCALE, k = u | 0;
    return TANH_TABLE[k] + (u - k) * (TANH_TABLE[k + 1] - TANH_TABLE[k]);
  }
  const ACT = {
    identity: null, tanh, relu: (z) => (z > 0 ? z : 0),
    leaky_relu: (z) => (z > 0 ? z : 0.01 * z), sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  };
  const hidden = ACT[RUN.model.activation];
  const wT = sizes.slice(1).map((fo, l) => new Float64Array(sizes[l] * fo)), bias = sizes.slice(1).map((fo) => new Float64Array(fo));

  // buffers for every layer's activations over n inputs (n, width_l), and the parameters they were computed with
  const passBuffers = (n) => ({ n, outs: sizes.slice(1).map((w) => new Float32Array(n * w)), theta: new Float32Array(P).fill(NaN) });
  const layerChanged = (theta, last, l) => {
    for (let p = wOff[l]; p < bOff[l] + sizes[l + 1]; p++) if (theta[p] !== last[p]) return true;
    return false;
  };

  // every layer's activations for the inputs (n, 2) into buf.outs[l] (n, width_l), row-major as
  // nk.grid_activations; layers before the first whose parameters changed since the last call are kept
  function forward(theta, input, buf) {
    const { n, outs } = buf;
    let l0 = 0;
    while (l0 < L && !layerChanged(theta, buf.theta, l0)) l0++;
    buf.theta.set(theta);
    for (let l = l0; l < L; l++) {
      const fi = sizes[l], fo = sizes[l + 1], w0 = wOff[l], out = outs[l], prev = l ? outs[l - 1] : input;
      const W = wT[l], b = bias[l];
      for (let j = 0; j < fo; j++) { b[j] = theta[bOff[l] + j]; for (let i = 0; i < fi; i++) W[j * fi + i] = theta[w0 + i * fo + j]; }
      for (let p = 0, ip = 0, op = 0; p < n; p++, ip += fi, op += fo) {
        let j = 0;
        for (; j + 3 < fo; j += 4) {                  // four units at once: each input read once for them
          const r0 = j * fi, r1 = r0 + fi, r2 = r1 + fi, r3 = r2 + fi;   // rows of W^T
          let z0 = b[j], z1 = b[j + 1], z2 = b[j + 2], z3 = b[j + 3];
          for (let i = 0; i < fi; i++) {
            const a = prev[ip + i];
            z0 += a * W[r0 + i]; z1 += a * W[r1 + i]; z2 += a * W[r2 + i]; z3 += a * W[r3 + i];
          }
          out[op + j] = z0; out[op + j + 1] = z1; out[op + j + 2] = z2; out[op + j + 3] = z3;
        }
        for (; j < fo; j++) {
          let z = b[j];
          for (let i = 0, w = j * fi; i < fi; i++) z += prev[ip + i] * W[w + i];
          out[op + j] = z;
        }
      }
      if (l < L - 1) { if (hidden) for (let k = 0; k < n * fo; k++) out[k] = hidden(out[k]); }
      else if (RUN.model.output === "sigmoid") for (let k = 0; k < n * fo; k++) out[k] = 1 / (1 + Math.exp(-out[k]));
      else for (let op = 0; op < n * fo; op += fo) {      // softmax along each row
        let top = -Infinity, sum = 0;
        for (let j = 0; j < fo; j++) top = Math.max(top, out[op + j]);
        for (let j = 0; j < fo; j++) sum += (out[op + j] = Math.exp(out[op + j] - top));
        for (let j = 0; j < fo; j++) out[op + j] /= sum;
      }
    }
    return outs;
  }
  const predicted = (out, p) => {
    if (nOut === 1) return out[p] >= 0.5 ? 1 : 0;
    let best = 0;
    for (let c = 1; c < nOut; c++) if (out[p * nOut + c] > out[p * nOut + best]) best = c;
    return best;
  };

  // the plane's grid: row r at the r-th y from ymin, column c at the c-th x (np.linspace spacing)
  const linspace = (a, b, n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? b : a + i * ((b - a) / (n - 1))));
  const gx = linspace(xmin, xmax, res), gy = linspace(ymin, ymax, res);
  const gridInput = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) { gridInput[2 * (r * res + c)] = gx[c]; gridInput[2 * (r * res + c) + 1] = gy[r]; }
  const gridPass = passBuffers(res * res), dataPass = passBuffers(nData), pointPass = passBuffers(1);
  const grid = gridPass.outs, dataActs = dataPass.outs, pointActs = pointPass.outs;

  // ---------------------------------------------------------------- state
  const state = {
    t: 0, playing: false, speed: 1,
    edits: new Map(),                                 // parameter index -> value set by hand
    point: Float32Array.from([X[0], X[1]]),           // the input shown in the network
    hover: null, pinned: null,                        // neuron {l, j} whose map the plane shows (l = 0: inputs)
    accuracy: NaN,
  };
  const theta = new Float32Array(P);

  // flat parameters at fractional snapshot t (as Recording.params_at), then the hand edits
  function paramsAt(t, out) {
    const k = Math.min(Math.floor(t), last), f = t - k;
    if (f === 0) out.set(snaps.subarray(k * P, k * P + P));
    else for (let p = 0; p < P; p++) out[p] = (1 - f) * snaps[k * P + p] + f * snaps[(k + 1) * P + p];
    for (const [p, v] of state.edits) out[p] = v;
    return out;
  }
  const stepAt = (t) => { const k = Math.min(Math.floor(t), last - (N > 1 ? 1 : 0)), f = t - k; return N > 1 ? steps[k] + f * (steps[k + 1] - steps[k]) : steps[0]; };
  function timeOfStep(step) {
    let k = 0;
    while (k < last - 1 && steps[k + 1] < step) k++;
    if (N === 1) return 0;
    return Math.min(last, Math.max(0, k + (step - steps[k]) / (steps[k + 1] - steps[k])));
  }
  const weightIndex = (l, i, j) => wOff[l] + i * sizes[l + 1] + j;
  const biasIndex = (l, j) => bOff[l - 1] + j;       // neuron j of layer l >= 1

  // ---------------------------------------------------------------- the network diagram (a canvas)
  const net = $("network"), netCtx = net.getContext("2d");
  const shownIndices = (n, k) => (n <= k ? [...Array(n).keys()] : [...Array(k >> 1).keys()].concat([...Array(k - (k >> 1)).keys()].map((i) => n - (k - (k >> 1)) + i)));
  const shown = sizes.map((n) => shownIndices(n, RUN.maxShown));
  const dia = { W: 0, H: 0, radius: 0, pos: [], edges: [] };   // layout in CSS pixels; edges[l] = [{a, b, l, i, j, p}]
  const hoverEdge = { edge: null };

  function layerName(l) {
    if (l === 0) return "input";
    if (l === L) return `output · ${RUN.model.output}`;
    return L > 2 ? `hidden ${l}` : "hidden";
  }
  const neuronName = (l, j) => (l === 0 ? `x${"₁₂"[j]}` : l === L ? (nOut === 1 ? "output" : `output ${j + 1} (${pal.class_names[j % pal.class_names.length]})`) : `neuron ${j + 1} of ${layerName(l)} (${RUN.model.activation})`);

  function layoutDiagram() {
    const W = net.clientWidth || 600, H = net.clientHeight || 480;
    const top = 14, bottom = 30, left = 60, right = 110, h = H - top - bottom;
    const slots = Math.max(...shown.map((s, l) => s.length + (s.length < sizes[l] ? 1 : 0)));
    const pitch = h / Math.max(slots, 2), radius = Math.min(0.45 * pitch, 18);
    const pos = shown.map((s, l) => {                 // as NetworkDiagram: a common pitch, spread up to 3x for small layers
      const dots = s.length < sizes[l] ? 1 : 0, n = s.length + dots;
      const lp = Math.max(pitch, Math.min(3 * pitch, h / (n + 1)));
      const x = left + (L ? (l * (W - left - right)) / L : 0);
      const ys = [...Array(n).keys()].map((k) => top + h / 2 + (k - (n - 1) / 2) * lp);
      if (dots) ys.splice(s.length >> 1, 1);
      return { x, ys, dotsY: top + h / 2 };
    });
    const edges = [];
    for (let l = 0; l < L; l++) {
      edges.push(shown[l].flatMap((i, si) => shown[l + 1].map((j, sj) => (
        { a: [pos[l].x, pos[l].ys[si]], b: [pos[l + 1].x, pos[l + 1].ys[sj]], l, i, j, p: weightIndex(l, i, j) }))));
    }
    Object.assign(dia, { W, H, radius, pos, edges });
  }

  // an edge's look for weight w in a layer whose largest |w| is top, in LEVELS bands of |w| / top per sign, each
  // coloured and widened for its middle as NetworkDiagram's bundles: colour = sign, deeper and (|w| / top)^3 wider as it grows
  const LEVELS = 16;
  function edgeBand(w, top) {
    const level = Math.min(LEVELS - 1, Math.trunc((top > 0 ? Math.abs(w) / top : 0) * LEVELS));
    return level + (w > 0 ? LEVELS : 0);
  }
  const BANDS = [...Array(2 * LEVELS).keys()].map((k) => {
    const rel = ((k % LEVELS) + 0.5) / LEVELS, sign = k >= LEVELS ? 1 : -1;
    return { colour: signedCss(sign * rel), width: 0.35 + 4.65 * rel ** 3 };
  });
  const edgeStyle = (w, top) => BANDS[edgeBand(w, top)];
  function layerTop(l) {
    let top = 0;
    for (let p = wOff[l]; p < bOff[l]; p++) top = Math.max(top, Math.abs(theta[p]));
    return top;
  }
  function neuronFill(l, j) {
    const v = l === 0 ? state.point[j] : pointActs[l - 1][j];
    if (l === 0) return signedCss(v, RUN.inputScale);
    if (l < L) return activationCss(v, RUN.model.activation);
    return binary ? css(probabilityRgb(pointActs[L - 1], 0)) : css(SEQUENTIAL[unsignedRow(v)]);
  }
  const fmt = (v) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2).replace(/^(-?)0\./, "$1."));
  const neuronText = (l, j) => (dia.radius >= 9 ? fmt(l === 0 ? state.point[j] : pointActs[l - 1][j]) : "");
  const shortName = (l, j) => (l === 0 || l === L ? neuronName(l, j) : `neuron ${j + 1} of ${layerName(l)}`);
  const same = (a, l, j) => !!a && a.l === l && a.j === j;

  // the forward pass of a new input, shown layer by layer over PASS_MS (as the scenes' forward_pass)
  const PASS_MS = 900, pass = { start: -Infinity };
  const litFraction = (l) => Math.min(1, Math.max(0, ((performance.now() - pass.start) / PASS_MS) * (L + 1) - l));
  function playPass() {
    pass.start = performance.now();
    const step = () => { drawDiagram(); if (performance.now() - pass.start < PASS_MS) requestAnimationFrame(step); };
    requestAnimationFrame(step);
  }

  function drawDiagram() {
    const ctx = netCtx, dpr = window.devicePixelRatio || 1, { pos, radius } = dia;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, dia.W, dia.H);
    ctx.lineCap = "butt";                            // edge ends lie under the neurons; round caps cost raster time
    for (let l = 0; l < L; l++) {                     // one path per band (edited edges dashed, on their own)
      const top = layerTop(l), bands = BANDS.map(() => []), edited = [];
      for (const e of dia.edges[l]) (state.edits.has(e.p) ? edited : bands[edgeBand(theta[e.p], top)]).push(e);
      const strokeAll = (edges, { colour, width }) => {
        if (!edges.length) return;
        ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath();
        for (const e of edges) { ctx.moveTo(e.a[0], e.a[1]); ctx.lineTo(e.b[0], e.b[1]); }
        ctx.stroke();
      };
      bands.forEach((edges, k) => strokeAll(edges, BANDS[k]));
      ctx.setLineDash([4, 3]);
      for (const e of edited) strokeAll([e], edgeStyle(theta[e.p], top));
      ctx.setLineDash([]);
    }
    ctx.setLineDash([]);
    const h = hoverEdge.edge;
    if (h) { ctx.strokeStyle = pal.highlight; ctx.lineWidth = 2.5; ctx.beginPath(); ctx.moveTo(h.a[0], h.a[1]); ctx.lineTo(h.b[0], h.b[1]); ctx.stroke(); }
    ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.lineJoin = "round";
    ctx.font = `${Math.max(8, 0.78 * radius).toFixed(1)}px system-ui, sans-serif`;
    for (let l = 0; l <= L; l++) {
      shown[l].forEach((j, s) => {
        const x = pos[l].x, y = pos[l].ys[s];
        const lit = litFraction(l);                   // a new input lights the layers one after another
        ctx.beginPath(); ctx.arc(x, y, radius, 0, 2 * Math.PI);
        if (lit < 1) { ctx.fillStyle = pal.zero; ctx.fill(); }
        ctx.globalAlpha = lit; ctx.fillStyle = neuronFill(l, j); ctx.fill(); ctx.globalAlpha = 1;
        ctx.strokeStyle = pal.frame; ctx.lineWidth = same(state.pinned, l, j) || same(state.hover, l, j) ? 4 : 1.5;
        ctx.setLineDash(l > 0 && state.edits.has(biasIndex(l, j)) ? [3, 2] : []);
        ctx.stroke(); ctx.setLineDash([]);
        const text = lit > 0.5 ? neuronText(l, j) : "";
        if (text) {                                   // text on an outline of the background: readable on any fill
          ctx.strokeStyle = pal.background; ctx.lineWidth = 2.5; ctx.strokeText(text, x, y);
          ctx.fillStyle = pal.text; ctx.fillText(text, x, y);
        }
      });
    }
    ctx.font = "13px system-ui, sans-serif"; ctx.fillStyle = INK.muted;
    for (let l = 0; l <= L; l++) {
      ctx.textAlign = "center";
      ctx.fillText(`${layerName(l)}${l > 0 && l < L ? ` · ${sizes[l]} ${RUN.model.activation}` : ""}`, pos[l].x, dia.H - 12);
      if (shown[l].length < sizes[l]) {
        ctx.fillStyle = pal.text; ctx.font = "20px system-ui, sans-serif"; ctx.fillText("⋮", pos[l].x, pos[l].dotsY);
        ctx.fillStyle = INK.muted; ctx.font = "13px system-ui, sans-serif"; ctx.textAlign = "left"; ctx.fillText(`${sizes[l]}`, pos[l].x + radius + 6, pos[l].dotsY);
      }
    }
    ctx.textAlign = "right";
    shown[0].forEach((j, s) => ctx.fillText(`x${"₁₂"[j]}`, pos[0].x - radius - 6, pos[0].ys[s]));
    ctx.textAlign = "left";
    shown[L].forEach((j, s) => {                      // P(blue) for one sigmoid, else each class's name in its colour
      ctx.fillStyle = nOut === 1 ? INK.muted : pal.classes[j % pal.classes.length];
      ctx.fillText(nOut === 1 ? `P(${pal.class_names[1]})` : pal.class_names[j % pal.class_names.length], pos[L].x + radius + 6, pos[L].ys[s]);
    });
  }

  // ---------------------------------------------------------------- the plane
  // four stacked canvases, so a frame redraws only what moved: heat (res x res), contour, dots (drawn once), overlay (the input)
  const heat = $("heat"), contour = $("contour"), dotsCanvas = $("dots"), overlay = $("overlay");
  heat.width = heat.height = res;
  const heatCtx = heat.getContext("2d"), contourCtx = contour.getContext("2d"), overlayCtx = overlay.getContext("2d");
  const image = new ImageData(res, res);
  const toPx = (x, y, S) => [((x - xmin) / (xmax - xmin)) * S, (1 - (y - ymin) / (ymax - ymin)) * S];

  function paintHeat() {
    const shownNeuron = state.hover || state.pinned, px = image.data;
    for (let r = 0; r < res; r++) {
      for (let c = 0; c < res; c++) {
        const p = r * res + c, o = 4 * ((res - 1 - r) * res + c);
        let table = DIV8_SHADED, k;
        if (!shownNeuron || (shownNeuron.l === L && binary)) {
          if (binary) k = 3 * signedRow(2 * grid[L - 1][p * nOut + nOut - 1] - 1);
          else { const rgb = probabilityRgb(grid[L - 1], p * nOut); px[o] = rgb[0] * SHADE * 255; px[o + 1] = rgb[1] * SHADE * 255; px[o + 2] = rgb[2] * SHADE * 255; px[o + 3] = 255; continue; }
        } else {
          const { l, j } = shownNeuron;
          const v = l === 0 ? gridInput[2 * p + j] : grid[l - 1][p * sizes[l] + j];
          if (l === 0) { table = DIV8; k = 3 * signedRow(v, RUN.inputScale); }
          else if (l < L && SIGNED.has(RUN.model.activation)) { table = DIV8; k = 3 * signedRow(v); }
          else { table = SEQ8; k = 3 * unsignedRow(v); }
        }
        px[o] = table[k]; px[o + 1] = table[k + 1]; px[o + 2] = table[k + 2]; px[o + 3] = 255;
      }
    }
    heatCtx.putImageData(image, 0, 0);              // the browser stretches it bilinearly, as the scenes resample it
  }

  // marching squares over P(class 1) at 0.5 (as nnkern.viz.plane.contour_paths), one segment per cell side pair
  const CASES = { 1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 6: [[0, 2]], 7: [[3, 2]], 8: [[2, 3]], 9: [[2, 0]], 11: [[2, 1]], 12: [[1, 3]], 13: [[1, 0]], 14: [[0, 3]] };
  function drawContour() {
    const ctx = contourCtx, S = contour.width;
    ctx.clearRect(0, 0, S, S);
    if (!binary || (state.hover || state.pinned) && !((state.hover || state.pinned).l === L)) return;
    const out = grid[L - 1], f = (r, c) => out[(r * res + c) * nOut + nOut - 1] - 0.5;
    const cell = S / (res - 1);
    const cross = (r, c, side) => {
      const [a, b] = [[[r, c], [r, c + 1]], [[r, c + 1], [r + 1, c + 1]], [[r + 1, c], [r + 1, c + 1]], [[r, c], [r + 1, c]]][side];
      const fa = f(a[0], a[1]), fb = f(b[0], b[1]), t = fa !== fb ? fa / (fa - fb) : 0.5;
      return [(a[1] + t * (b[1] - a[1])) * cell, S - (a[0] + t * (b[0] - a[0])) * cell];
    };
    ctx.beginPath();
    for (let r = 0; r < res - 1; r++) {
      for (let c = 0; c < res - 1; c++) {
        const bl = f(r, c) > 0, br = f(r, c + 1) > 0, tr = f(r + 1, c + 1) > 0, tl = f(r + 1, c) > 0;
        const code = bl * 1 + br * 2 + tr * 4 + tl * 8;
        if (code === 0 || code === 15) continue;
        let pairs = CASES[code];
        if (code === 5 || code === 10) {
          const centre = f(r, c) + f(r, c + 1) + f(r + 1, c + 1) + f(r + 1, c) > 0;
          pairs = (code === 5) === centre ? [[3, 2], [1, 0]] : [[3, 0], [1, 2]];
        }
        for (const [s0, s1] of pairs) { const a = cross(r, c, s0), b = cross(r, c, s1); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); }
      }
    }
    ctx.strokeStyle = pal.contour; ctx.lineWidth = 2.5 * (window.devicePixelRatio || 1); ctx.lineCap = "round";
    ctx.stroke();
  }

  function drawDots() {
    const S = dotsCanvas.width, ctx = dotsCanvas.getContext("2d"), dpr = window.devicePixelRatio || 1, rad = Math.max(2, S / 190);
    ctx.clearRect(0, 0, S, S);
    ctx.lineWidth = 1.2 * dpr; ctx.strokeStyle = pal.outline;
    for (let n = 0; n < nData; n++) {
      const [x, y] = toPx(X[2 * n], X[2 * n + 1], S);
      ctx.beginPath(); ctx.arc(x, y, rad, 0, 2 * Math.PI);
      ctx.fillStyle = css(CLASSES[Y[n] % CLASSES.length]); ctx.fill(); ctx.stroke();
    }
  }

  let markedPoint = null;                           // the input the overlay shows
  function drawMarker() {
    if (markedPoint === state.point) return;
    markedPoint = state.point;
    const S = overlay.width, dpr = window.devicePixelRatio || 1;
    const [x, y] = toPx(state.point[0], state.point[1], S), r = 7 * dpr;
    overlayCtx.clearRect(0, 0, S, S);
    for (const [colour, w] of [[pal.outline, 4.5 * dpr], [pal.marker, 2 * dpr]]) {
      overlayCtx.strokeStyle = colour; overlayCtx.lineWidth = w;
      overlayCtx.beginPath(); overlayCtx.arc(x, y, r, 0, 2 * Math.PI);
      overlayCtx.moveTo(x - 2 * r, y); overlayCtx.lineTo(x - r, y); overlayCtx.moveTo(x + r, y); overlayCtx.lineTo(x + 2 * r, y);
      overlayCtx.moveTo(x, y - 2 * r); overlayCtx.lineTo(x, y - r); overlayCtx.moveTo(x, y + r); overlayCtx.lineTo(x, y + 2 * r);
      overlayCtx.stroke();
    }
  }

  function caption() {
    const n = state.hover || state.pinned, [x, y] = state.point, out = pointActs[L - 1];
    const input = `input (${x.toFixed(2)}, ${y.toFixed(2)})`;
    if (n && !(n.l === L && binary)) {
      const what = n.l === 0 ? `the input ${neuronName(0, n.j)}` : n.l === L ? `P(${pal.class_names[n.j % pal.class_names.length]})` : neuronName(n.l, n.j);
      const v = n.l === 0 ? state.point[n.j] : pointActs[n.l - 1][n.j];
      return `${what} over the plane${state.pinned ? " (pinned: click it to unpin)" : ""} · at (${x.toFixed(2)}, ${y.toFixed(2)}): ${v.toFixed(3)}`;
    }
    if (nOut === 1) return `${input} → P(${pal.class_names[1]}) = ${out[0].toFixed(3)} · the line: P = 0.5`;
    const best = predicted(out, 0);
    return `${input} → ${pal.class_names[best % pal.class_names.length]} (P = ${out[best].toFixed(3)})`;
  }

  // ---------------------------------------------------------------- loss and accuracy curves
  const curves = $("curves");
  const epochs = history.epoch || [], nEpochs = epochs.length ? epochs[epochs.length - 1] : Math.max(1, steps[last] / spe);
  const panels = [
    { name: "loss", keys: ["loss", "val_loss"] },
    { name: "accuracy", keys: ["acc", "val_acc"], range: [0, 1] },
  ];
  for (const panel of panels) {
    const values = panel.keys.flatMap((k) => (history[k] || []).filter((v) => v !== null));
    panel.range = panel.range || [0, Math.ceil(Math.max(1e-9, ...values) * 10) / 10];
  }
  function panelBox(k) {
    const dpr = window.devicePixelRatio || 1, W = curves.width, H = curves.height, gap = 40 * dpr, lm = 44 * dpr;
    const w = (W - gap) / 2;
    return { x0: k * (w + gap) + lm, x1: k * (w + gap) + w - 8 * dpr, y0: 24 * dpr, y1: H - 26 * dpr, dpr };
  }
  const curveScales = (b, [lo, hi]) => [(e) => b.x0 + (e / nEpochs) * (b.x1 - b.x0), (v) => b.y1 - ((v - lo) / (hi - lo)) * (b.y1 - b.y0)];
  const cursors = document.querySelectorAll("#curves-box .cursor"), nowDot = $("now-dot");
  function moveCursors() {                          // the current time on both panels, the live accuracy as a dot
    const epochNow = stepAt(state.t) / spe;
    panels.forEach((panel, k) => {
      const b = panelBox(k), [px, py] = curveScales(b, panel.range), x = px(epochNow) / b.dpr;
      cursors[k].style.height = `${(b.y1 - b.y0) / b.dpr}px`;
      cursors[k].style.transform = `translate(${x}px, ${b.y0 / b.dpr}px)`;
      if (panel.name === "accuracy") {
        nowDot.hidden = !Number.isFinite(state.accuracy);
        nowDot.style.transform = `translate(${x}px, ${py(state.accuracy) / b.dpr}px)`;
      }
    });
  }
  function drawCurves() {
    const ctx = curves.getContext("2d");
    ctx.clearRect(0, 0, curves.width, curves.height);
    panels.forEach((panel, k) => {
      const b = panelBox(k), [lo, hi] = panel.range, [px, py] = curveScales(b, panel.range);
      ctx.font = `${13 * b.dpr}px system-ui, sans-serif`; ctx.fillStyle = INK.muted; ctx.strokeStyle = INK.axis; ctx.lineWidth = 1 * b.dpr;
      ctx.beginPath(); ctx.moveTo(b.x0, b.y0); ctx.lineTo(b.x0, b.y1); ctx.lineTo(b.x1, b.y1); ctx.stroke();
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ctx.fillText(`${hi}`, b.x0 - 6 * b.dpr, b.y0 + 4 * b.dpr); ctx.fillText(`${lo}`, b.x0 - 6 * b.dpr, b.y1);
      ctx.textAlign = "left"; ctx.textBaseline = "top";
      ctx.fillText(`${panel.name} per epoch (${pal.highlight_name}: now)`, b.x0, b.y0 - 20 * b.dpr);
      ctx.textAlign = "center"; ctx.fillText("epoch", (b.x0 + b.x1) / 2, b.y1 + 6 * b.dpr);
      ctx.textAlign = "right"; ctx.fillText(`${nEpochs}`, b.x1, b.y1 + 6 * b.dpr);
      panel.keys.forEach((key, s) => {
        const vals = history[key];
        if (!vals) return;
        ctx.strokeStyle = pal.curves[s % pal.curves.length]; ctx.lineWidth = (s === 0 ? 2 : 1.5) * b.dpr;
        ctx.setLineDash(s === 0 ? [] : [4 * b.dpr, 3 * b.dpr]);
        ctx.beginPath();
        vals.forEach((v, e) => { if (v !== null) ctx[e ? "lineTo" : "moveTo"](px(epochs[e]), py(v)); });
        ctx.stroke(); ctx.setLineDash([]);
        if (s === 1) { ctx.fillStyle = pal.curves[s % pal.curves.length]; ctx.textAlign = "right"; ctx.fillText("validation: dashed", b.x1, b.y0 - 20 * b.dpr); }
      });
    });
  }
  function seekFromCurves(ev) {
    const rect = curves.getBoundingClientRect(), dpr = window.devicePixelRatio || 1, x = (ev.clientX - rect.left) * dpr;
    const b = panelBox(x > curves.width / 2 ? 1 : 0);
    const epoch = Math.min(1, Math.max(0, (x - b.x0) / (b.x1 - b.x0))) * nEpochs;
    setTime(timeOfStep(epoch * spe));
  }

  // ---------------------------------------------------------------- drawing a frame
  let frameRequested = false;
  function render() {
    paramsAt(state.t, theta);
    forward(theta, gridInput, gridPass);
    forward(theta, X, dataPass);
    pointPass.theta.fill(NaN);                        // the point may have moved: always recomputed
    forward(theta, state.point, pointPass);
    let correct = 0;
    for (let n = 0; n < nData; n++) correct += predicted(dataActs[L - 1], n) === Y[n];
    state.accuracy = correct / nData;
    paintHeat();
    drawContour();
    drawMarker();
    drawDiagram();
    moveCursors();
    const step = stepAt(state.t);
    $("step").textContent = Math.round(step);
    $("epoch").textContent = (step / spe).toFixed(1);
    $("accuracy").textContent = `${(100 * state.accuracy).toFixed(1)}%`;
    $("edited").hidden = state.edits.size === 0;
    $("edit-count").textContent = state.edits.size;
    $("reset").disabled = state.edits.size === 0;
    $("plane-caption").textContent = caption();
    $("time").value = N > 1 ? state.t / last : 0;
    if (tip.target) showTip(tip.target, tip.x, tip.y);
  }
  function requestFrame() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => { frameRequested = false; render(); });
  }
  function setTime(t) { state.t = Math.min(last, Math.max(0, t)); requestFrame(); }

  let lastTick = null;
  function tick(now) {
    if (!state.playing) { lastTick = null; return; }
    if (lastTick !== null) {
      const t = state.t + ((now - lastTick) / 1000) * state.speed * (last / 20);   // 1x: the whole run in 20 s
      state.t = Math.min(last, t);
      render();
      if (state.t >= last) setPlaying(false);
    }
    lastTick = now;
    requestAnimationFrame(tick);
  }
  function setPlaying(on) {
    state.playing = on && N > 1;
    if (state.playing && state.t >= last) state.t = 0;
    $("play").textContent = state.playing ? "❚❚" : "▶";
    if (state.playing) requestAnimationFrame(tick);
  }

  // ---------------------------------------------------------------- tooltip and sparkline
  const tip = { target: null, x: 0, y: 0 };
  function recorded(p) { const out = new Float32Array(N); for (let k = 0; k < N; k++) out[k] = snaps[k * P + p]; return out; }
  function showTip(target, x, y) {
    Object.assign(tip, { target, x, y });
    const box = $("tooltip"), p = target.kind === "weight" ? target.edge.p : target.l > 0 ? biasIndex(target.l, target.j) : -1;
    let text;
    if (target.kind === "weight") {
      const { l, i, j } = target.edge;
      text = `weight ${shortName(l, i)} → ${shortName(l + 1, j)}: <b>${theta[p].toFixed(4)}</b>`;
    } else if (p >= 0) {
      text = `${neuronName(target.l, target.j)}: bias <b>${theta[p].toFixed(4)}</b>, activation ${pointActs[target.l - 1][target.j].toFixed(3)}`;
    } else {
      text = `${neuronName(0, target.j)} = ${state.point[target.j].toFixed(3)}`;
    }
    if (p >= 0 && state.edits.has(p)) text += ` (edited; recorded ${paramsAtRecorded(p).toFixed(4)})`;
    $("tooltip-text").innerHTML = text + (p >= 0 ? `<br><span class="muted">over the run (${pal.highlight_name}: now)</span>` : "");
    const spark = $("sparkline");
    spark.hidden = p < 0;
    if (p >= 0) drawSparkline(spark, recorded(p), theta[p]);
    box.hidden = false;
    const r = box.getBoundingClientRect();
    box.style.left = `${Math.min(window.innerWidth - r.width - 8, x + 14)}px`;
    const above = y - r.height - 14, top = $("network-panel").getBoundingClientRect().top;
    box.style.top = `${above >= top ? above : y + 18}px`;   // above the pointer, or below it near the top
  }
  function paramsAtRecorded(p) { const k = Math.min(Math.floor(state.t), last), f = state.t - k; return f ? (1 - f) * snaps[k * P + p] + f * snaps[(k + 1) * P + p] : snaps[k * P + p]; }
  function hideTip() { tip.target = null; $("tooltip").hidden = true; }
  function drawSparkline(canvas, values, now) {
    const dpr = window.devicePixelRatio || 1, W = 220 * dpr, H = 56 * dpr, ctx = canvas.getContext("2d");
    canvas.width = W; canvas.height = H;
    let lo = Math.min(0, now), hi = Math.max(0, now);
    for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (hi === lo) hi = lo + 1;
    const px = (k) => 3 * dpr + (k / Math.max(1, last)) * (W - 6 * dpr), py = (v) => H - 4 * dpr - ((v - lo) / (hi - lo)) * (H - 8 * dpr);
    ctx.strokeStyle = INK.rule; ctx.lineWidth = dpr;
    ctx.beginPath(); ctx.moveTo(0, py(0)); ctx.lineTo(W, py(0)); ctx.stroke();
    ctx.lineWidth = 1.5 * dpr;
    for (let k = 1; k < N; k++) {                     // coloured by sign, as the edge
      ctx.strokeStyle = signedCss(Math.sign(values[k]));
      ctx.beginPath(); ctx.moveTo(px(k - 1), py(values[k - 1])); ctx.lineTo(px(k), py(values[k])); ctx.stroke();
    }
    ctx.fillStyle = pal.highlight;
    ctx.beginPath(); ctx.arc(px(state.t), py(now), 3.5 * dpr, 0, 2 * Math.PI); ctx.fill();
  }

  // ---------------------------------------------------------------- interaction
  // what is under client point (x, y): a neuron (within its circle), else the nearest edge within 6 px, else null
  const toClient = (x, y) => { const r = net.getBoundingClientRect(); return { x: r.left + x, y: r.top + y }; };
  function pick(x, y) {
    const r = net.getBoundingClientRect(), pt = { x: x - r.left, y: y - r.top };
    for (let l = 0; l <= L; l++) {
      if (Math.abs(pt.x - dia.pos[l].x) > dia.radius + 2) continue;
      const s = dia.pos[l].ys.findIndex((yy) => Math.hypot(pt.x - dia.pos[l].x, pt.y - yy) <= dia.radius + 2);
      if (s >= 0) return { kind: "neuron", l, j: shown[l][s] };
    }
    let best = null, bestD = 6;
    for (const edges of dia.edges) {
      for (const e of edges) {
        const dx = e.b[0] - e.a[0], dy = e.b[1] - e.a[1];
        if (pt.x < Math.min(e.a[0], e.b[0]) || pt.x > Math.max(e.a[0], e.b[0])) continue;
        const t = Math.min(1, Math.max(0, ((pt.x - e.a[0]) * dx + (pt.y - e.a[1]) * dy) / (dx * dx + dy * dy)));
        const d = Math.hypot(pt.x - e.a[0] - t * dx, pt.y - e.a[1] - t * dy);
        if (d < bestD) { bestD = d; best = e; }
      }
    }
    return best && { kind: "weight", edge: best };
  }

  let drag = null;
  const targetOf = (ev) => pick(ev.clientX, ev.clientY);
  function setHoverEdge(edge) {
    if (hoverEdge.edge !== edge) { hoverEdge.edge = edge; requestFrame(); }
  }
  net.addEventListener("pointermove", (ev) => {
    if (drag) {
      const dy = drag.y - ev.clientY;
      if (Math.abs(dy) > 2) drag.moved = true;
      if (drag.moved && drag.p >= 0) {
        state.edits.set(drag.p, Math.fround(drag.value + dy * drag.perPixel));
        if (state.playing) setPlaying(false);
        requestFrame();
      }
      showTip(drag.target, ev.clientX, ev.clientY);
      return;
    }
    const target = targetOf(ev);
    setHoverEdge(target && target.kind === "weight" ? target.edge : null);
    if (!target) { net.style.cursor = ""; hideTip(); if (state.hover) { state.hover = null; requestFrame(); } return; }
    net.style.cursor = target.kind === "weight" || target.l > 0 ? "ns-resize" : "pointer";
    const neuron = target.kind === "neuron" ? { l: target.l, j: target.j } : null;
    if (JSON.stringify(neuron) !== JSON.stringify(state.hover)) { state.hover = neuron; requestFrame(); }
    showTip(target, ev.clientX, ev.clientY);
  });
  net.addEventListener("pointerleave", () => { if (!drag) { hideTip(); setHoverEdge(null); state.hover = null; requestFrame(); } });
  net.addEventListener("pointerdown", (ev) => {
    const target = targetOf(ev);
    if (!target) return;
    const p = target.kind === "weight" ? target.edge.p : target.l > 0 ? biasIndex(target.l, target.j) : -1;
    let top = 0;                                      // sensitivity: the layer's largest |parameter| per 200 px
    if (p >= 0) {
      const l = target.kind === "weight" ? target.edge.l : target.l - 1;
      for (let q = wOff[l]; q < bOff[l] + sizes[l + 1]; q++) top = Math.max(top, Math.abs(theta[q]));
    }
    drag = { target, p, y: ev.clientY, value: p >= 0 ? theta[p] : 0, perPixel: Math.max(top, 0.1) / 200, moved: false };
    net.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  net.addEventListener("pointerup", (ev) => {
    if (!drag) return;
    const { target, moved } = drag;
    drag = null;
    net.releasePointerCapture(ev.pointerId);
    if (!moved && target.kind === "neuron") {         // a tap pins (or unpins) the neuron's map
      const same = state.pinned && state.pinned.l === target.l && state.pinned.j === target.j;
      state.pinned = same ? null : { l: target.l, j: target.j };
      requestFrame();
    }
  });
  overlay.addEventListener("click", (ev) => {
    const rect = overlay.getBoundingClientRect();
    const u = (ev.clientX - rect.left) / rect.width, v = (ev.clientY - rect.top) / rect.height;
    state.point = Float32Array.from([xmin + u * (xmax - xmin), ymax - v * (ymax - ymin)]);
    requestFrame();
    playPass();
  });
  let scrubbing = false;
  curves.addEventListener("pointerdown", (ev) => { scrubbing = true; curves.setPointerCapture(ev.pointerId); seekFromCurves(ev); });
  curves.addEventListener("pointermove", (ev) => { if (scrubbing) seekFromCurves(ev); });
  curves.addEventListener("pointerup", () => { scrubbing = false; });
  $("time").addEventListener("input", (ev) => { setPlaying(false); setTime(Number(ev.target.value) * last); });
  $("play").addEventListener("click", () => setPlaying(!state.playing));
  $("speed").addEventListener("change", (ev) => { state.speed = Number(ev.target.value); });
  $("reset").addEventListener("click", () => { state.edits.clear(); requestFrame(); });
  $("save").addEventListener("click", save);
  document.addEventListener("keydown", (ev) => {
    if (ev.target.tagName === "INPUT" && ev.target.type !== "range") return;
    if (ev.key === " ") { ev.preventDefault(); setPlaying(!state.playing); }
  });

  function savedParameters() {
    paramsAt(state.t, theta);
    const weights = [], biases = [];
    for (let l = 0; l < L; l++) {
      const fo = sizes[l + 1];
      weights.push([...Array(sizes[l]).keys()].map((i) => Array.from(theta.subarray(wOff[l] + i * fo, wOff[l] + (i + 1) * fo))));
      biases.push(Array.from(theta.subarray(bOff[l], bOff[l] + fo)));
    }
    const edited = [...state.edits.keys()].sort((a, b) => a - b).map((p) => {
      let l = 0;
      while (p >= wOff[l] + (sizes[l] + 1) * sizes[l + 1]) l++;
      return p < bOff[l] ? { layer: l, kind: "weight", i: Math.floor((p - wOff[l]) / sizes[l + 1]), j: (p - wOff[l]) % sizes[l + 1] }
        : { layer: l, kind: "bias", j: p - bOff[l] };
    });
    return { format: "nnkern-explorer-params", model: RUN.model, step: stepAt(state.t), snapshot_time: state.t, edited, weights, biases };
  }
  function save() {
    const text = JSON.stringify(savedParameters(), null, 1);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = `nnkern-params-step${Math.round(stepAt(state.t))}.json`;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // ---------------------------------------------------------------- layout
  function resize() {
    const dpr = window.devicePixelRatio || 1, plane = $("plane");
    const S = Math.round(plane.clientWidth * dpr);
    for (const c of [contour, dotsCanvas, overlay]) { c.width = c.height = S; }
    curves.width = Math.round(curves.clientWidth * dpr); curves.height = Math.round(curves.clientHeight * dpr);
    markedPoint = null;
    drawDots();
    drawCurves();
    net.width = Math.round(net.clientWidth * dpr); net.height = Math.round(net.clientHeight * dpr);
    layoutDiagram();
    render();
  }
  window.addEventListener("resize", resize);
  resize();

  function base64(floats) {
    const u = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
    let s = "";
    for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
    return btoa(s);
  }

  // a small API for scripts and tests: the page's own numbers, never read back from pixels
  window.explorer = {
    nSnapshots: N, steps, resolution: res, extent: RUN.extent,
    setTime(t) { state.t = Math.min(last, Math.max(0, t)); render(); },
    time: () => state.t,
    setParameter(p, v) { state.edits.set(p, Math.fround(v)); render(); },
    redraw: render,
    params: () => Array.from(paramsAt(state.t, theta)),
    grid: (l) => base64(grid[l]),                   // layer l over the grid: float32 (res, res, width), base64
    point: () => Array.from(state.point),
    accuracy: () => state.accuracy,
    savedParameters,
    // client coordinates of a point where the pointer picks edge (l, i, j), or null
    edgePoint(l, i, j) {
      const e = dia.edges[l].find((d) => d.i === i && d.j === j);
      if (!e) return null;
      for (let s = 0.5; s > 0.1; s -= 0.01) {
        const pt = toClient(e.a[0] + s * (e.b[0] - e.a[0]), e.a[1] + s * (e.b[1] - e.a[1]));
        const hit = pick(pt.x, pt.y);
        if (hit && hit.edge === e) return { x: pt.x, y: pt.y };
      }
      return null;
    },
    neuronPoint(l, j) {
      const s = shown[l].indexOf(j);
      if (s < 0) return null;
      return toClient(dia.pos[l].x, dia.pos[l].ys[s]);
    },
    // the diagram as drawn: each shown edge's weight, colour and width; each shown neuron's fill and text
    diagram() {
      return {
        edges: dia.edges.flatMap((edges, l) => { const top = layerTop(l); return edges.map((e) => ({ l, i: e.i, j: e.j, w: theta[e.p], ...edgeStyle(theta[e.p], top) })); }),
        neurons: shown.flatMap((idx, l) => idx.map((j) => ({ l, j, fill: neuronFill(l, j), text: neuronText(l, j) }))),
      };
    },
  };
})();
