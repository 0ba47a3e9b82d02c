"""Letter validation: is this PDF something the print centres can print?

pool.ValidatorPool.check(bytes, rules)   the daemon's entry: a bounded child process
  └ worker                               runs check_pdf in the child, under rlimits
      └ check.check_pdf(bytes, rules)     pure core: the rules in order, a Report
          ├ document     sniff, open with pypdf, classify pypdf's exceptions
          ├ geometry     page_size, orientation (effective box, /Rotate, /UserUnit)
          ├ fonts        fonts_not_embedded (fonts that draw visible text)
          └ address      address_block, address_lowercase, address_accents
              └ textlines  a page's text lines and where they sit
(the rules, ValidationRules, are the `[flows.validation]` config table: config/rules.py)
report         Problem, Finding, Report (its address: imprimfip.postal.PostalAddress)
messages_fr    the French text of every code, for staff
"""
