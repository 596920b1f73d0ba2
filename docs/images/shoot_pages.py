"""Screenshots of the step-through pages of the built-in models for docs/pictures.md:
``chainrule graph --model mlp|cnn|gpt``, opened in headless Chromium at 1280x720, stepped
into the backward pass; and the GPT's page at the start, fitted, its block one closed box.

    python docs/images/shoot_pages.py
"""
import pathlib
import sys
import tempfile

from playwright.sync_api import sync_playwright

import chainrule as cr
from chainrule.cli.graph import model_graph

HERE = pathlib.Path(__file__).resolve().parent
STEPS = {"mlp": 8, "cnn": 16, "gpt": 4}   # steps short of the end: a backward step shows


def main():
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        for kind, back in STEPS.items():
            loss, model, title = model_graph(kind)
            path = pathlib.Path(folder) / f"{kind}.html"
            cr.viz.draw(loss, path, model, title=title)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(path.as_uri())
            total = page.evaluate("JSON.parse(document.getElementById("
                                  "'chainrule-steps').textContent).length")
            for _ in range(total - back):    # step by step: each module box opens as reached
                page.keyboard.press("ArrowRight")
            page.screenshot(path=str(HERE / f"page_{kind}.png"))
            page.close()
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto((pathlib.Path(folder) / "gpt.html").as_uri())
        page.keyboard.press("0")            # Fit
        page.screenshot(path=str(HERE / "page_gpt_closed.png"))
        page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
