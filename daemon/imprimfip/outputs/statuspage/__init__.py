"""The read-only status page for staff (issue 6): `render` builds the French HTML from the
letters' lines, a pure function; `page_server` serves it with aiohttp on a loopback address."""
