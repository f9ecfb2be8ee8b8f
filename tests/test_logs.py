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
