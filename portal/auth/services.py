from __future__ import annotations

from sqlalchemy import func, select

from portal.auth.models import Organisation, User
from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None; as slow either way."""
    user = find_user(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the cookie's account version must still be current."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    title: str = "",
    organisation: Organisation | None = None,
    staff_role: str | None = None,
    is_org_admin: bool = False,
) -> User:
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        title=title.strip(),
        password_hash=hash_password(password),
        organisation=organisation,
        staff_role=staff_role or None,
        is_org_admin=is_org_admin,
    )
    db.session.add(user)
    return user


def end_sessions(user: User) -> None:
    """Every session of the account stops working on its next request."""
    user.session_version += 1
