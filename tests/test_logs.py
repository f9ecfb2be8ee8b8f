import logging

from portal.logs import RedactSecrets, redact


def test_tokens_in_paths_are_redacted():
    token = "Zx9_abcDEF-1234567890qwertyUIOP"
    line = f'127.0.0.1 - - "GET /invitations/{token} HTTP/1.1" 200 -'
    assert token not in redact(line)
    assert "/invitations/[redacted]" in redact(line)
    assert redact("GET /circles/12/plan/safety_plan") == "GET /circles/12/plan/safety_plan"


def test_the_werkzeug_request_log_never_holds_a_token(app, caplog):
    token = "Zx9_abcDEF-1234567890qwertyUIOP"
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"GET /invitations/%s HTTP/1.1" %s', (token, 404), None)
    assert any(isinstance(f, RedactSecrets) for f in logging.getLogger("werkzeug").filters)
    for log_filter in logging.getLogger("werkzeug").filters:
        log_filter.filter(record)
    assert token not in record.getMessage()


def test_email_addresses_are_redacted_as_a_safety_net():
    line = 'duplicate key value violates unique constraint DETAIL: Key (email)=(maria.lopez+1@demo.example.org) already exists.'
    assert "maria.lopez" not in redact(line) and "demo.example.org" not in redact(line)
    assert "(email)=([email])" in redact(line)
    assert redact("GET auth.login 200") == "GET auth.login 200"



def test_tests_and_development_log_readable_text_by_default():
    """Production's JSON default is checked in tests/test_config.py, in a clean environment."""
    import config

    assert config.TestingConfig.LOG_FORMAT == "text"


def test_json_logging_takes_the_root_logger_only_when_nobody_else_has():
    """`flask notify run` in production gets JSON; gunicorn (already JSON) and
    a test runner keep the handlers they set up."""
    from portal.logs import JsonFormatter, use_json_logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        root.handlers[:] = []
        use_json_logging("INFO")
        use_json_logging("INFO")
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.INFO
        kept = logging.NullHandler()
        root.handlers[:] = [kept]
        use_json_logging("INFO")
        assert root.handlers == [kept]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
