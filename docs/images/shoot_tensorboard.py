"""Screenshots of TensorBoard showing a `chainrule train --tensorboard` run (docs/pictures.md).

    chainrule train --tensorboard runs/tb/digits --epochs 5
    tensorboard --logdir runs/tb --port 6006 &
    python docs/images/shoot_tensorboard.py        # writes docs/images/tensorboard_*.png

Needs the `playwright` package and Chromium at /usr/bin/chromium (Debian: chromium).
"""
import pathlib
import sys

from playwright.sync_api import sync_playwright

URL = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:6006"
HERE = pathlib.Path(__file__).parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{URL}/#scalars", wait_until="networkidle")
        page.wait_for_timeout(5000)
        page.screenshot(path=str(HERE / "tensorboard_scalars.png"))
        page.goto(f"{URL}/#graphs", wait_until="networkidle")
        page.wait_for_timeout(10000)
        page.locator("text.nodelabel", has_text="Sequential").first.dblclick(force=True)   # open it
        page.wait_for_timeout(3000)
        page.screenshot(path=str(HERE / "tensorboard_graph.png"))
        browser.close()


if __name__ == "__main__":
    main()
