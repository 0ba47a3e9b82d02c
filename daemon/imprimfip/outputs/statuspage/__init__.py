"""The read-only status page for staff: `render` builds the French HTML from the
letters' lines, a pure function; `page_server` serves it with aiohttp on a loopback address."""
