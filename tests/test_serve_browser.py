"""`polsearch serve` in a real browser: Debian's headless Chromium driven by selenium through
chromium-driver, against `polsearch serve` on a free 127.0.0.1 port over the samples and a hostile page.

Skipped, saying why, when the browser or its driver is not installed (`.ci/run` installs both:
`apt-get install chromium chromium-driver fonts-liberation`). `POLSEARCH_SCREENSHOT=docs/serve.png`
also saves the README's screenshot.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from .serving import HOSTILE_TITLE, Server, build_index

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip("no headless browser: install the Debian packages chromium and chromium-driver "
                "(.ci/run does) to run the browser tests of `polsearch serve`", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra: pip install -e '.[test]'")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(build_index(tmp_path_factory.mktemp("browser")))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait(driver, condition, seconds: float = 30):
    return WebDriverWait(driver, seconds).until(condition)


def search(driver, server, query: str) -> None:
    driver.get(server.url)
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(query, Keys.ENTER)
    wait(driver, ec.presence_of_element_located((By.ID, "total")))


def total(driver) -> int:
    return int(driver.find_element(By.ID, "total").text.split()[0])


def test_search_facet_back_page_document_back(browser, server):
    search(browser, server, "debt")
    first_total = total(browser)
    assert first_total >= 2 and "q=debt" in browser.current_url
    assert browser.find_elements(By.CSS_SELECTOR, ".hit mark")
    results_url = browser.current_url

    facet = browser.find_element(By.CSS_SELECTOR, '[data-facet="source"] a')
    name = facet.text
    facet.click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".active .chip")))
    assert name in browser.find_element(By.CSS_SELECTOR, ".active").text
    assert "source=" in browser.current_url and total(browser) <= first_total
    assert all(name in m.text for m in browser.find_elements(By.CSS_SELECTOR, ".hit .meta"))

    browser.back()
    wait(browser, lambda d: d.current_url == results_url)
    assert total(browser) == first_total and not browser.find_elements(By.CSS_SELECTOR, ".active")

    browser.get(server.url + "?q=the&n=3")
    browser.find_element(By.CSS_SELECTOR, 'a[rel="next"]').click()
    wait(browser, lambda d: "page=2" in d.current_url)
    assert "page 2 of" in browser.find_element(By.CSS_SELECTOR, ".pages").text
    page_two = [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".hit-title")]
    assert len(page_two) == 3

    link = browser.find_element(By.CSS_SELECTOR, ".hit-title")
    title = link.text
    link.click()
    wait(browser, ec.presence_of_element_located((By.ID, "doc-title")))
    assert browser.find_element(By.ID, "doc-title").text == title
    assert "where they came from" in browser.page_source and browser.find_elements(By.CSS_SELECTOR, ".body mark")
    browser.back()
    wait(browser, lambda d: "page=2" in d.current_url and d.find_elements(By.CSS_SELECTOR, ".hit-title"))
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, ".hit-title")] == page_two


def test_timeline_bar_narrows_the_dates(browser, server):
    search(browser, server, "Mekong")
    before = total(browser)
    bars = browser.find_elements(By.CSS_SELECTOR, ".timeline svg a")
    assert bars
    tall = max(bars, key=lambda b: float(b.find_element(By.TAG_NAME, "rect").get_attribute("height")))
    tall.find_element(By.TAG_NAME, "rect").click()
    wait(browser, lambda d: "from=" in d.current_url)
    assert 0 < total(browser) <= before
    chips = browser.find_element(By.CSS_SELECTOR, ".active").text
    assert "from:" in chips and "to:" in chips


def _downloaded(folder: Path, suffix: str) -> Path:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded into {folder}: {list(folder.iterdir())}")


def test_download_every_format_and_read_it_back(browser, server, downloads):
    import bibtexparser
    import rispy

    search(browser, server, "debt")
    count = total(browser)
    for fmt in ("csv", "jsonl", "ris", "bibtex", "manifest"):
        browser.find_element(By.CSS_SELECTOR, f'a.download[data-format="{fmt}"]').click()
    with open(_downloaded(downloads, ".csv"), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count and all(r["id"] and r["title"] for r in rows)
    lines = _downloaded(downloads, ".jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["id"] for line in lines} == {r["id"] for r in rows}
    with open(_downloaded(downloads, ".ris"), encoding="utf-8") as handle:
        assert len(rispy.load(handle)) == count
    library = bibtexparser.parse_string(_downloaded(downloads, ".bib").read_text(encoding="utf-8"))
    assert len(library.entries) == count
    manifest = json.loads(_downloaded(downloads, ".manifest.json").read_text(encoding="utf-8"))
    assert manifest["query"] == "debt" and manifest["count"] == count


def test_the_hostile_page_shows_as_text(browser, server):
    search(browser, server, "hostile")
    assert browser.execute_script("return window.pwned === undefined")
    title = browser.find_element(By.CSS_SELECTOR, ".hit-title")
    assert title.text == HOSTILE_TITLE
    assert "<svg onload=window.pwned=4>Evil Site" in browser.find_element(By.CSS_SELECTOR, ".sidebar").text
    title.click()
    wait(browser, ec.presence_of_element_located((By.ID, "doc-title")))
    assert browser.find_element(By.ID, "doc-title").text == HOSTILE_TITLE
    body = browser.find_element(By.CSS_SELECTOR, ".body").text
    assert '<a href="javascript:window.pwned=8">link</a>' in body and "<script>window.pwned=7</script>" in body
    assert not browser.find_elements(By.CSS_SELECTOR, '.body a, .body img, .body script, a[href^="javascript"]')
    browser.get(browser.current_url.split("?")[0] + "?q=hostile&view=kwic")
    assert browser.execute_script("return window.pwned === undefined")


def test_screenshot(browser, server, tmp_path):
    browser.get(server.url + "?q=Mekong+OR+dam*")
    wait(browser, ec.presence_of_element_located((By.ID, "total")))
    shot = tmp_path / "serve.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("POLSEARCH_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)
