// Chrome is not downloaded at install: machines without internet use the
// system Chromium (see reports/pdf/browser.ts), machines with their own
// puppeteer cache keep working.
module.exports = { skipDownload: true };
