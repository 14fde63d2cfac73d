#!/usr/bin/env python3
"""Drives headless Chromium over its DevTools protocol (--remote-debugging-pipe, no library
needed) to check what the status page's auto-refresh must do in a real browser.

    chromium-cdp.py refresh URL CLOSE_KEY SCROLL_Y OUT.png

URL is a status page with ?refresh=1. The script loads it, closes the fold whose key is
CLOSE_KEY, scrolls to SCROLL_Y, waits for the page to reload itself, and reports (JSON on
stdout) whether it reloaded, the scroll position and closed folds after the reload, every
console message, exception and log entry (CSP violations are log entries), a screenshot of the
reloaded page in OUT.png, and the same page loaded with JavaScript disabled (its DOM, and
whether it still reloaded itself). Exits 0 when it could run the browser, whatever it found;
the test judges the findings. Every wait is bounded.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            raise SystemExit("chromium: not installed")
        self.home = tempfile.mkdtemp(prefix="scales-cdp.")
        to_read, to_write = os.pipe()  # we write commands, the browser reads them on fd 3
        from_read, from_write = os.pipe()  # the browser writes on fd 4, we read
        child_in = fcntl.fcntl(to_read, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_write, fcntl.F_DUPFD, 10)
        os.close(to_read)
        os.close(from_write)

        def wire():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             "--user-data-dir=" + os.path.join(self.home, "profile"), "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=dict(os.environ, HOME=self.home))
        os.close(child_in)
        os.close(child_out)
        self.writer = to_write
        self.reader = from_read
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True, timeout=20):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.writer, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            for reply in self.read(deadline):
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self.events.append(reply)

    def read(self, deadline):
        remaining = deadline - time.time()
        if remaining <= 0:
            raise TimeoutError("no answer from chromium")
        ready, _, _ = select.select([self.reader], [], [], remaining)
        if not ready:
            return []
        chunk = os.read(self.reader, 1 << 20)
        if not chunk:
            raise RuntimeError("chromium closed the pipe")
        self.buffer += chunk
        messages = []
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            messages.append(json.loads(raw))
        return messages

    def wait_for(self, method, after, timeout):
        """The first event `method` at or after index `after` of `events`, or None."""
        deadline = time.time() + timeout
        while True:
            for event in self.events[after:]:
                if event.get("method") == method:
                    return event
            if time.time() >= deadline:
                return None
            try:
                self.events.extend(self.read(min(deadline, time.time() + 0.2)))
            except TimeoutError:
                return None

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.home, ignore_errors=True)



STATE = """(() => {
  const key = d => { const k = d.querySelector(':scope>summary>.key'); return k ? k.textContent : ''; };
  return {
    marked: window.__scalesMark === 1,
    scrollY: window.scrollY,
    closed: [...document.querySelectorAll('details:not([open])')].map(key),
    folds: document.querySelectorAll('details').length,
    sparks: document.querySelectorAll('svg.spark').length,
    footer: (document.querySelector('footer') || {}).textContent || '',
  };
})()"""


def refresh(url, close_key, scroll_y, png):
    browser = Browser()
    report = {}
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = browser.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)
        browser.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(domain + ".enable")
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1100, "height": 700, "deviceScaleFactor": 1, "mobile": False})
        mark = len(browser.events)
        browser.send("Page.navigate", {"url": url})
        report["loaded"] = browser.wait_for("Page.loadEventFired", mark, 20) is not None
        close = json.dumps(close_key)
        report["before"] = browser.evaluate(f"""(() => {{
          const fold = [...document.querySelectorAll('details')].find(
            d => (d.querySelector(':scope>summary>.key') || {{}}).textContent === {close});
          if (fold) fold.open = false;
          window.scrollTo(0, {int(scroll_y)});
          window.__scalesMark = 1;
          return {STATE};
        }})()""")
        mark = len(browser.events)
        # The page reloads itself after its period (1 s): the next load is the reloaded page.
        report["reloaded"] = browser.wait_for("Page.loadEventFired", mark, 15) is not None
        time.sleep(0.3)
        report["after"] = browser.evaluate(STATE)
        shot = browser.send("Page.captureScreenshot", {"format": "png"})
        with open(png, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        # JavaScript off: every number still there, and the <noscript> refresh reloads it.
        browser.send("Emulation.setScriptExecutionDisabled", {"value": True})
        mark = len(browser.events)
        browser.send("Page.navigate", {"url": url})
        browser.wait_for("Page.loadEventFired", mark, 20)
        document = browser.send("DOM.getDocument", {"depth": 0})
        report["noScriptDOM"] = browser.send("DOM.getOuterHTML", {"nodeId": document["root"]["nodeId"]})["outerHTML"]
        mark = len(browser.events)
        report["noScriptReloaded"] = browser.wait_for("Page.loadEventFired", mark, 15) is not None
    finally:
        browser.close()
    report["messages"] = []
    for event in browser.events:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Log.entryAdded":
            entry = params.get("entry", {})
            report["messages"].append(f"log {entry.get('level')} {entry.get('source')}: {entry.get('text')}")
        elif method == "Runtime.exceptionThrown":
            report["messages"].append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Runtime.consoleAPICalled":
            texts = [str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])]
            report["messages"].append(f"console {params.get('type')}: {' '.join(texts)}")
    print(json.dumps(report))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "refresh":
        refresh(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        print(__doc__)
        sys.exit(2)
