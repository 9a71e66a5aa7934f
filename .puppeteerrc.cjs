// Ace drives a browser through puppeteer: use Debian's chromium, never download one.
module.exports = {
  skipDownload: true,
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium',
};
