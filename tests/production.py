"""The production configuration, in this process, on the suite's database.

For tests of what production does differently (demo accounts, cookie names,
trusted hosts, limits in the database): everything ProductionConfig decides
stays as it is, except what a test process has to supply, the database, the
secret, the address it is reached at, and a cheap password hash.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager

from config import ProductionConfig, TestingConfig
from portal import create_app
from portal.extensions import db
from tests.conftest import ON_POSTGRES, FreshContextClient


def production_like(**overrides) -> type[ProductionConfig]:
    settings = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "SQLALCHEMY_DATABASE_URI": TestingConfig.SQLALCHEMY_DATABASE_URI,
        "SQLALCHEMY_ENGINE_OPTIONS": TestingConfig.SQLALCHEMY_ENGINE_OPTIONS,
        "BASE_URL": "http://localhost",
        # Whatever the shell holds: limits in the database, sessions too.
        "RATELIMIT_STORAGE_URI": "database://",
        "REDIS_URL": "",
        "SESSION_STORE": "database",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        **overrides,
    }
    return type("ProductionLike", (ProductionConfig,), settings)


@contextmanager
def production_app(**overrides):
    """A production app with its tables, inside its own app context. Use it
    with the ``app`` fixture: on PostgreSQL both share the one test database,
    which that fixture has just emptied."""
    production = create_app(production_like(**overrides))
    production.test_client_class = FreshContextClient
    with production.app_context():
        db.create_all()
        try:
            yield production
        finally:
            if ON_POSTGRES:
                _seal_for_the_suite()
            db.session.remove()
            if not ON_POSTGRES:
                db.drop_all()
            db.engine.dispose()


def _seal_for_the_suite() -> None:
    """On PostgreSQL the production app shares the suite's database but not
    its SECRET_KEY: the audit chain head it sealed is sealed again with the
    suite's key (as a key rotation would), if and only if its seal was good."""
    from sqlalchemy import select, update

    from portal.audit import chain
    from portal.audit.models import AuditChainHead

    db.session.rollback()
    head = db.session.execute(select(AuditChainHead.last_seq, AuditChainHead.last_hash, AuditChainHead.head_mac)).first()
    if head is not None and chain.seal_matches(head.last_seq, head.last_hash, head.head_mac):
        mac = chain.head_mac(TestingConfig.SECRET_KEY, head.last_seq, head.last_hash)
        db.session.execute(update(AuditChainHead.__table__).values(head_mac=mac))
        db.session.commit()
