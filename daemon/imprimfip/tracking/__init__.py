"""Following deposited letters to their final status. Modules, one job each:

- `finality`: which statuses end a letter's life, per sending type, and its phase;
- `schedule`: when to ask next (pure), and the bounded delay it gives;
- `observe`: what a status answer says and what changed;
- `alerts`: which alerts the statuses call for, each raised once; `RAISED` counts them;
- `letters`: the lines of each letter as people see them (`imprimfip.letter_lines`);
- `alert_channels`: sending alerts to the flow's channels (email, command), with retries;
- `poller`: the loop that asks IMPRIM'FIP and records the answers.

The French words staff read are in `imprimfip.reports_fr`; `service.tracker` runs all of
this in the daemon, with the CSV reports and the status page.
"""
