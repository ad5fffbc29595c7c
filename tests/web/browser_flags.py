"""Browser tests: Debian's Chromium driven by Playwright (no browser download), and how it is started."""

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
