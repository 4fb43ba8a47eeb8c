"""An aiosmtpd server in its own process that journals every message it accepts (Message-ID, recipients)."""

from __future__ import annotations

import asyncio
import email
import json
import os
import sys
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP


class JournalHandler:
    def __init__(self, journal: Path) -> None:
        self.journal = journal

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        mail = email.message_from_bytes(envelope.content)
        line = json.dumps({"message_id": str(mail["Message-ID"]), "rcpt": list(envelope.rcpt_tos)})
        # Journaled (and synced) before the 250: a message the client heard as accepted is always counted.
        with self.journal.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
        return "250 2.0.0 OK"


async def serve(port: int, journal: Path) -> None:
    handler = JournalHandler(journal)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.invalid"), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
