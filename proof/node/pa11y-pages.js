// pa11y over many pages in one chromium, a few at a time (proof/validators.py runs it).
//
// stdin: {"urls": [...], "executablePath": "/usr/bin/chromium", "args": [...chromium flags],
//         "concurrency": 4, "runners": ["htmlcs", "axe"], "standard": "WCAG2AA"}
// stdout: [{"url": ..., "issues": [{"runner", "code", "message", "selector"}], "error": ""}]
// Only errors are reported (no warnings or notices): those are what the goal counts.
'use strict';

const pa11y = require('pa11y');
const puppeteer = require('puppeteer');

async function main() {
	const chunks = [];
	for await (const chunk of process.stdin) {
		chunks.push(chunk);
	}
	const config = JSON.parse(Buffer.concat(chunks).toString('utf8'));
	const browser = await puppeteer.launch({
		executablePath: config.executablePath,
		args: config.args,
		headless: true
	});
	const results = [];
	const queue = config.urls.slice();
	async function worker() {
		while (queue.length) {
			const url = queue.shift();
			try {
				const result = await pa11y(url, {
					browser,
					runners: config.runners,
					standard: config.standard,
					includeNotices: false,
					includeWarnings: false,
					timeout: 60000
				});
				results.push({
					url,
					error: '',
					issues: result.issues.map(issue => ({
						runner: issue.runner,
						code: issue.code,
						message: issue.message,
						selector: issue.selector
					}))
				});
			} catch (error) {
				results.push({url, error: String(error && error.message || error), issues: []});
			}
		}
	}
	try {
		await Promise.all(Array.from({length: config.concurrency || 1}, worker));
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(results));
}

main().catch(error => {
	process.stderr.write(String(error && error.stack || error) + '\n');
	process.exit(1);
});
