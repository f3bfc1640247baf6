"""The message as it travels between tenants: plain data, independent of any schema."""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Envelope:
    message_id: str
    source: str
    destination: str
    topic: str
    key: str
    version: int
    schema_version: int
    payload: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
