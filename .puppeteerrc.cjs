// Puppeteer's postinstall would download Chrome, which fails (and fails `npm ci`) on machines without internet
// access. The tests find a browser themselves (scripts/ensure-browser.mjs): Puppeteer's own, if one was
// downloaded earlier, else the system's chromium.
module.exports = { skipDownload: true };
