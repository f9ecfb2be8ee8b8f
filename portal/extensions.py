"""Extensions, created unbound so that create_app can bind them to any app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
# Batch mode lets SQLite alter tables; compare_type catches column type drift.
migrate = Migrate(render_as_batch=True, compare_type=True)


class SessionOnlyLoginManager(LoginManager):
    """Flask-Login without its remember-me cookie. The portal never issues
    one (SECURITY.md: every signed-in request needs a live server-side
    session); a cookie that arrives anyway, forged with the signing key or
    left by another app on the host, is not read at all, so it cannot even
    put an account id into the session. The user loader refuses it as well
    (auth.services.load_session_user)."""

    def _load_user_from_remember_cookie(self, cookie):
        return None


login_manager = SessionOnlyLoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

# Words in the reader's language (portal/languages.py binds it).
babel = Babel()
