"""Look at the built site in a real browser: screenshots and a search check (not run by CI).

Serves the built site (``mkdocs build --strict`` writes it to ``build/site``) on localhost,
opens it in headless Chromium through Selenium, and saves screenshots of the landing page, the
API page of ``lrs.stack`` and the gallery. Then it types ``wsd`` into the site's search box and
checks that results appear. Exits with status 1 if a page or the search fails.

Needs Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``) and
``pip install selenium``; nothing is downloaded. Usage::

    mkdocs build --strict
    python docs/screenshots.py [--site build/site] [--out build/screenshots]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "landing": "",
    "api-stack": "api/stack/",
    "gallery": "gallery/",
}
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def browser(profile: Path, chromium: str, driver: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROME_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def full_page_screenshot(drv, path: Path, max_height: int = 6000) -> None:
    """The whole page, up to ``max_height`` pixels tall."""
    for _ in range(2):  # the page may lay itself out again at the new size
        height, chrome = drv.execute_script(
            "return [Math.max(document.body.scrollHeight, document.documentElement.scrollHeight),"
            " window.outerHeight - window.innerHeight]"
        )
        drv.set_window_size(1280, min(max(height, 800), max_height) + chrome)
        time.sleep(0.5)
    drv.save_screenshot(str(path))
    drv.set_window_size(1280, 1000)


def check_search(drv, base: str, query: str = "wsd") -> int:
    """Type ``query`` into the search box; the number of results listed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    drv.get(base)
    wait = WebDriverWait(drv, 20)
    box = drv.find_element(By.CSS_SELECTOR, "input.md-search__input")
    if not box.is_displayed():  # a narrow window: the search opens from a header button
        drv.find_element(By.CSS_SELECTOR, "label.md-header__button[for='__search']").click()
    box = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input.md-search__input")))
    box.click()
    box.send_keys(query)
    wait.until(ec.presence_of_all_elements_located((By.CSS_SELECTOR, "li.md-search-result__item")))
    return len(drv.find_elements(By.CSS_SELECTOR, "li.md-search-result__item"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--driver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        print(f"no built site in {args.site}: run `mkdocs build --strict` first", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    server, base = serve(args.site)
    failures = []
    with tempfile.TemporaryDirectory() as profile:
        drv = browser(Path(profile), args.chromium, args.driver)
        try:
            for name, page in PAGES.items():
                drv.get(base + page)
                title = drv.title
                if "404" in title or not title:
                    failures.append(f"{page or '/'}: no page (title {title!r})")
                path = args.out / f"{name}.png"
                full_page_screenshot(drv, path)
                print(f"{path}  ({title})")
            try:
                found = check_search(drv, base)
            except Exception as err:  # a timeout: no result appeared
                found = 0
                failures.append(f"search: {type(err).__name__}")
            drv.save_screenshot(str(args.out / "search-wsd.png"))
            print(f"search 'wsd': {found} results; {args.out / 'search-wsd.png'}")
            if not found:
                failures.append("search 'wsd': no results")
        finally:
            drv.quit()
            server.shutdown()
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
