// SPDX-License-Identifier: MIT
// ort_run.mjs - run an ONNX model with ONNX Runtime (onnxruntime-node, CPU) on NumPy .npy
// inputs and write one NAME.npy per output with ORT's exact bytes: the oracle side of the
// model suite. Its command line mirrors fpq-run's.
//
//   node ort_run.mjs MODEL [--input NAME=FILE.npy ...] [--output-dir DIR]
//        [--opt-level disabled|basic|extended|all] [--config KEY=VALUE ...] [--threads N]
//        [--save-optimized FILE.onnx] [--time N [--warmup W]] [--json]
//   node ort_run.mjs --batch JOBS.json [--json]
//
// --config sets an ORT session config entry (session.qdqisint8allowed=1,
// session.x64quantprecision=1, session.disable_quant_qdq=1, ...). --time N runs the model
// N more times after W warm-up runs and reports the latency. --batch runs many jobs in one
// process (one JSON object per job: model, inputs {NAME: FILE}, output_dir, opt_level,
// config {KEY: VALUE}, threads, save_optimized) and prints one JSON line per job; a job
// that fails is reported and the next one runs. The package is found through --ort DIR or
// $ORT_NODE_DIR (scripts/get-onnxruntime.sh prints it).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

// .npy dtype (little-endian descr without the byte-order mark) <-> ORT tensor type.
const DTYPES = {
	u1: { ort: 'uint8', array: Uint8Array },
	i1: { ort: 'int8', array: Int8Array },
	u2: { ort: 'uint16', array: Uint16Array },
	i2: { ort: 'int16', array: Int16Array },
	u4: { ort: 'uint32', array: Uint32Array },
	i4: { ort: 'int32', array: Int32Array },
	u8: { ort: 'uint64', array: BigUint64Array },
	i8: { ort: 'int64', array: BigInt64Array },
	f2: { ort: 'float16', array: Uint16Array },
	f4: { ort: 'float32', array: Float32Array },
	f8: { ort: 'float64', array: Float64Array },
	b1: { ort: 'bool', array: Uint8Array },
};
const ORT_TO_DTYPE = Object.fromEntries(Object.entries(DTYPES).map(([d, t]) => [t.ort, d]));

class UsageError extends Error {}

function readNpy(file) {
	const buf = fs.readFileSync(file);
	const fail = (why) => { throw new Error(`${file}: ${why}`); };
	if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY')
		fail('not a .npy file');
	const major = buf[6];
	let headerLen, start;
	if (major === 1) {
		headerLen = buf.readUInt16LE(8);
		start = 10;
	} else if (major === 2 || major === 3) {
		if (buf.length < 12)
			fail('truncated header');
		headerLen = buf.readUInt32LE(8);
		start = 12;
	} else {
		fail(`unsupported .npy version ${major}`);
	}
	if (start + headerLen > buf.length)
		fail('truncated header');
	const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
	const descr = /'descr':\s*'([^']*)'/.exec(header);
	const order = /'fortran_order':\s*(True|False)/.exec(header);
	const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
	if (!descr || !order || !shape)
		fail(`unreadable header ${header.trim()}`);
	if (order[1] === 'True')
		fail('Fortran order is not supported');
	let d = descr[1];
	if (d[0] === '<' || d[0] === '|')
		d = d.slice(1);
	else if (d[0] === '>')
		fail(`big-endian dtype ${descr[1]}`);
	const type = DTYPES[d];
	if (!type)
		fail(`unsupported dtype ${descr[1]}`);
	const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
	if (dims.some((n) => !Number.isSafeInteger(n) || n < 0))
		fail(`bad shape (${shape[1]})`);
	const count = dims.reduce((a, b) => a * b, 1);
	const bytes = count * type.array.BYTES_PER_ELEMENT;
	const dataStart = start + headerLen;
	if (buf.length - dataStart !== bytes)
		fail(`${buf.length - dataStart} data bytes for shape (${dims}) of ${d}, expected ${bytes}`);
	// Copy into a fresh, aligned buffer: typed arrays need element alignment.
	const data = new type.array(count);
	new Uint8Array(data.buffer).set(buf.subarray(dataStart, dataStart + bytes));
	return { dtype: d, ort: type.ort, dims, data };
}

function writeNpy(file, dtype, dims, data) {
	const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
	const descr = dtype === 'u1' || dtype === 'i1' || dtype === 'b1' ? `|${dtype}` : `<${dtype}`;
	let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
	// Pad with spaces so that the data starts at a multiple of 64 bytes, newline last.
	const total = Math.ceil((10 + header.length + 1) / 64) * 64;
	header = header.padEnd(total - 10 - 1, ' ') + '\n';
	const head = Buffer.alloc(10);
	head.write('\x93NUMPY', 0, 'latin1');
	head[6] = 1;
	head[7] = 0;
	head.writeUInt16LE(header.length, 8);
	const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), bytes]));
}

function parseArgs(argv) {
	const opt = { inputs: {}, config: {}, opt_level: 'all', threads: 0, time: 0, warmup: 3 };
	const need = (i, flag) => {
		if (i + 1 >= argv.length)
			throw new UsageError(`${flag} needs a value`);
		return argv[i + 1];
	};
	const keyValue = (s, flag) => {
		const eq = s.indexOf('=');
		if (eq <= 0)
			throw new UsageError(`${flag} takes KEY=VALUE, not '${s}'`);
		return [s.slice(0, eq), s.slice(eq + 1)];
	};
	const count = (s, flag) => {
		if (!/^[0-9]+$/.test(s))
			throw new UsageError(`${flag} takes a count, not '${s}'`);
		return Number(s);
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--input') {
			const [k, v] = keyValue(need(i++, a), a);
			opt.inputs[k] = v;
		} else if (a === '--config') {
			const [k, v] = keyValue(need(i++, a), a);
			opt.config[k] = v;
		} else if (a === '--output-dir') {
			opt.output_dir = need(i++, a);
		} else if (a === '--opt-level') {
			opt.opt_level = need(i++, a);
		} else if (a === '--threads') {
			opt.threads = count(need(i++, a), a);
		} else if (a === '--save-optimized') {
			opt.save_optimized = need(i++, a);
		} else if (a === '--time') {
			opt.time = count(need(i++, a), a);
		} else if (a === '--warmup') {
			opt.warmup = count(need(i++, a), a);
		} else if (a === '--batch') {
			opt.batch = need(i++, a);
		} else if (a === '--ort') {
			opt.ort = need(i++, a);
		} else if (a === '--json') {
			opt.json = true;
		} else if (a === '-h' || a === '--help') {
			opt.help = true;
		} else if (a.startsWith('-')) {
			throw new UsageError(`unknown option ${a}`);
		} else if (opt.model === undefined) {
			opt.model = a;
		} else {
			throw new UsageError(`one model only ('${opt.model}', then '${a}')`);
		}
	}
	return opt;
}

function loadOrt(dir) {
	if (!dir)
		throw new UsageError('where is onnxruntime-node? --ort DIR or ORT_NODE_DIR ' +
			'(scripts/get-onnxruntime.sh prints it)');
	return createRequire(path.join(path.resolve(dir), 'package.json'))(path.resolve(dir));
}

const LEVELS = ['disabled', 'basic', 'extended', 'all'];

async function runJob(ort, job) {
	if (!job.model)
		throw new UsageError('no model given');
	if (!LEVELS.includes(job.opt_level ?? 'all'))
		throw new UsageError(`--opt-level is one of ${LEVELS.join(', ')}`);
	const options = {
		executionProviders: ['cpu'],
		graphOptimizationLevel: job.opt_level ?? 'all',
		extra: { ...(job.config ?? {}) },
		logSeverityLevel: 3,
	};
	if (job.threads) {
		options.intraOpNumThreads = job.threads;
		options.interOpNumThreads = 1;
		options.executionMode = 'sequential';
	}
	if (job.save_optimized)
		options.optimizedModelFilePath = job.save_optimized;
	const session = await ort.InferenceSession.create(job.model, options);
	try {
		const feeds = {};
		const given = job.inputs ?? {};
		for (const name of Object.keys(given))
			if (!session.inputNames.includes(name))
				throw new Error(`the model has no input '${name}' (it has ${session.inputNames.join(', ')})`);
		for (const name of session.inputNames) {
			if (!(name in given))
				throw new Error(`no --input for the model's input '${name}'`);
			const a = readNpy(given[name]);
			feeds[name] = new ort.Tensor(a.ort, a.data, a.dims);
		}
		let results = await session.run(feeds);
		const report = { model: job.model, outputs: [] };
		if (job.time) {
			for (let i = 0; i < (job.warmup ?? 3); i++)
				results = await session.run(feeds);
			const ms = [];
			for (let i = 0; i < job.time; i++) {
				const t0 = process.hrtime.bigint();
				results = await session.run(feeds);
				ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
			}
			ms.sort((a, b) => a - b);
			report.time = {
				runs: ms.length,
				median_ms: ms[Math.floor(ms.length / 2)],
				min_ms: ms[0],
				mean_ms: ms.reduce((a, b) => a + b, 0) / ms.length,
			};
		}
		if (job.output_dir)
			fs.mkdirSync(job.output_dir, { recursive: true });
		for (const name of session.outputNames) {
			const t = results[name];
			const dtype = ORT_TO_DTYPE[t.type];
			if (!dtype)
				throw new Error(`output '${name}' has type ${t.type}, which .npy here does not carry`);
			const out = { name, dtype, shape: t.dims };
			if (job.output_dir) {
				out.file = path.join(job.output_dir, `${name}.npy`);
				writeNpy(out.file, dtype, t.dims, t.data);
			}
			report.outputs.push(out);
		}
		return report;
	} finally {
		await session.release();
	}
}

function describe(report) {
	const lines = report.outputs.map((o) =>
		`${o.name}: ${o.dtype} [${o.shape.join(', ')}]${o.file ? ` -> ${o.file}` : ''}`);
	if (report.time) {
		const t = report.time;
		lines.push(`latency over ${t.runs} runs: median ${t.median_ms.toFixed(3)} ms, ` +
			`min ${t.min_ms.toFixed(3)} ms, mean ${t.mean_ms.toFixed(3)} ms`);
	}
	return lines.join('\n');
}

async function main() {
	let opt;
	try {
		opt = parseArgs(process.argv.slice(2));
	} catch (e) {
		console.error(`ort_run: ${e.message}`);
		return 2;
	}
	if (opt.help) {
		console.log('usage: node ort_run.mjs MODEL [--input NAME=FILE.npy ...] [--output-dir DIR]\n' +
			'       [--opt-level disabled|basic|extended|all] [--config KEY=VALUE ...]\n' +
			'       [--threads N] [--save-optimized FILE] [--time N [--warmup W]] [--json]\n' +
			'       node ort_run.mjs --batch JOBS.json');
		return 0;
	}
	let ort;
	try {
		ort = loadOrt(opt.ort ?? process.env.ORT_NODE_DIR);
	} catch (e) {
		console.error(`ort_run: ${e.message}`);
		return 2;
	}
	if (opt.batch) {
		let jobs;
		try {
			jobs = JSON.parse(fs.readFileSync(opt.batch, 'utf8'));
			if (!Array.isArray(jobs))
				throw new Error('not a JSON array of jobs');
		} catch (e) {
			console.error(`ort_run: ${opt.batch}: ${e.message}`);
			return 2;
		}
		let failed = 0;
		for (const job of jobs) {
			try {
				const r = await runJob(ort, job);
				console.log(JSON.stringify({ id: job.id, ok: true, ...r }));
			} catch (e) {
				failed++;
				console.log(JSON.stringify({ id: job.id, ok: false, model: job.model, error: e.message }));
			}
		}
		return failed ? 1 : 0;
	}
	try {
		const r = await runJob(ort, opt);
		console.log(opt.json ? JSON.stringify(r) : describe(r));
		return 0;
	} catch (e) {
		console.error(`ort_run: ${opt.model ?? ''}: ${e.message}`);
		return e instanceof UsageError ? 2 : 1;
	}
}

process.exitCode = await main();
