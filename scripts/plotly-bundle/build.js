// Builds assets/vendor/plotly-timeline.min.js: plotly.js with the trace types the app draws, built the way plotly.js
// builds its own bundles (esbuild, an IIFE that sets window.Plotly). The page fetches and parses a third of the
// whole plotly.js. Run `npm install && npm run build` here after the plotly package moves to a new plotly.js.
'use strict';
const path = require('path');
const esbuild = require('esbuild');
const version = require('plotly.js/package.json').version;

// scatter is part of plotly.js's core; bar and scattergeo draw the timeline and the map, heatmap the density view.
const TRACES = ['scatter', 'bar', 'heatmap', 'scattergeo'];
const registered = TRACES.filter((name) => name !== 'scatter').map((name) => `require('plotly.js/lib/${name}')`);

esbuild
  .build({
    stdin: {
      contents: `var Plotly = require('plotly.js/lib/core');\nPlotly.register([${registered.join(', ')}]);\nmodule.exports = Plotly;\n`,
      resolveDir: __dirname,
      sourcefile: 'plotly-timeline.js',
    },
    outfile: path.join(__dirname, '..', '..', 'assets', 'vendor', 'plotly-timeline.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false' },
    alias: { stream: 'stream-browserify' },
    // maplibre's stylesheet, which plotly.js requires for its map subplots only (not in this bundle)
    loader: { '.css': 'empty' },
    legalComments: 'none',
    banner: {
      js: `/*! plotly.js v${version} (${TRACES.join(', ')}) | Copyright 2012-2026, Plotly, Inc. | MIT license | ` +
        'built by scripts/plotly-bundle */',
    },
    logLevel: 'info',
  })
  .catch(() => process.exit(1));
