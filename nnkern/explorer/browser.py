"""Open an explorer page in headless Chromium (Debian's ``chromium``, driven by Playwright for
Python) from disk with the network blocked: used by the tests, the frame-rate benchmark and the
README's screenshots. Playwright is imported only here, when a page is opened."""

import contextlib
import pathlib
import shutil


def missing():
    """Why a browser cannot be started here (a sentence), or None when it can."""
    if shutil.which("chromium") is None:
        return "chromium is not installed (apt-get install -y --no-install-recommends chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    return None


@contextlib.contextmanager
def open_page(path, width=1280, height=800):
    """Yield a Playwright page showing the HTML file ``path`` (a file:// URL), with every other request
    refused. ``page.problems`` lists console errors, page errors and refused requests as they happen."""
    reason = missing()
    if reason:
        raise RuntimeError(f"cannot open a browser: {reason}")
    from playwright.sync_api import sync_playwright

    url = pathlib.Path(path).resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            page = context.new_page()
            page.problems = []
            page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
            page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))

            def refuse(route):
                if route.request.url == url:
                    return route.continue_()
                page.problems.append(f"request: {route.request.url}")
                return route.abort()

            page.route("**/*", refuse)
            page.goto(url)  # returns after the load event: the page's script has run
            if not page.evaluate("typeof window.explorer === 'object'"):
                raise RuntimeError(f"{path}: the explorer did not start ({'; '.join(page.problems) or 'no error reported'})")
            yield page
        finally:
            browser.close()
