"""The read-only status page for staff: `views` says what each address shows and asks of the
ledger, `render` fills the Jinja2 `templates/`, `page_server` serves them with aiohttp (on a
loopback address unless told otherwise), `access` holds its optional TLS and login."""
