"""Following deposited letters to their final status. Modules, one job each:

- `finality`: which statuses end a letter's life, per sending type, and its phase;
- `schedule`: when to ask next (pure), and the bounded delay it gives;
- `observe`: what a status answer says and what changed;
- `alerts`: which alerts the statuses call for, each raised once; `RAISED` counts them;
- `messages_fr`: the French words staff read (alerts, report, page);
- `letters`: each letter as people see it (CSV, status page, `imprimfip status`);
- `notify`: the flow's notifiers (email, command), with retries;
- `poller`: the loop that asks IMPRIM'FIP and records the answers;
- `tracker`: all of the above, with the CSV reports and the status page, for the daemon.
"""
