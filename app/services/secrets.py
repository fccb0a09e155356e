"""The database's shared secrets: read, or made once by whichever process asks first."""

import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import Secret

CURSOR = "cursor"


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def get_or_create_secret(session: Session, name: str) -> str:
    """The secret called `name`. Migration 0004 makes the cursor secret; a database made
    another way (create_all in tests) gets one here. When processes race to make it, the
    primary key lets one insert win and the others read the winner's."""
    found = session.exec(select(Secret.value).where(Secret.name == name)).first()
    if found is not None:
        return found
    session.add(Secret(name=name, value=new_secret()))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    return session.exec(select(Secret.value).where(Secret.name == name)).one()
