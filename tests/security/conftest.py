def pytest_terminal_summary(terminalreporter):
    """SECURITY.md figures 5 and 6, as the suite measured them."""
    from tests.security.test_csrf_and_throttling import FIGURES

    if not FIGURES:
        return
    terminalreporter.section("CSRF and throttling (SECURITY.md, figures 5-6)")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name:<60}{value:>8}")
