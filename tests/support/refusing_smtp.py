"""An aiosmtpd handler for the mail tests: refuses the first N mails with a
temporary error (451, "try again later"), writing a file `refused-<n>` beside
the Maildir for each, then stores every further mail like aiosmtpd's own
Mailbox handler. Start it with
`python -m aiosmtpd -n -l HOST:PORT -c refusing_smtp.RefuseFirst N MAILDIR`
(with this folder on PYTHONPATH)."""

import os

from aiosmtpd.handlers import Mailbox


class RefuseFirst(Mailbox):
    def __init__(self, refusals, mail_dir):
        super().__init__(mail_dir)
        self.left = int(refusals)
        self.refused = 0
        self.marks = os.path.dirname(os.path.abspath(mail_dir))

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 2:
            parser.error("RefuseFirst takes two arguments: the number of refusals and the Maildir")
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        if self.left > 0:
            self.left -= 1
            self.refused += 1
            open(os.path.join(self.marks, f"refused-{self.refused}"), "w").close()
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        return await super().handle_DATA(server, session, envelope)
